import type Docker from 'dockerode';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBaseImage } from '../support/base-image.js';
import { cleanupTestResources, requireDocker } from '../support/docker-engine.js';
import { teardown } from '../support/global-setup.js';
import { demuxDockerStream } from '../support/run-container.js';
import { testLabelFilters, testLabels, testResourceName, testRunId } from '../support/test-labels.js';

describe('labels (pure)', () => {
  it('scope resources to a run, or to every run with *', () => {
    expect(testLabels('r1')).toEqual({ 'nanoclaw.test': '1', 'nanoclaw.test.run': 'r1' });
    expect(testLabelFilters('r1')).toEqual({ label: ['nanoclaw.test=1', 'nanoclaw.test.run=r1'] });
    expect(testLabelFilters('*')).toEqual({ label: ['nanoclaw.test=1'] });
    expect(testRunId()).toBe(testRunId());
    expect(testResourceName('My Net', 'r1')).toMatch(/^nanoclaw-test-my-net-r1-[0-9a-f]{6}$/);
  });

  it('demuxes Docker log frames into stdout and stderr', () => {
    const frame = (kind: number, text: string) => {
      const head = Buffer.alloc(8);
      head[0] = kind;
      head.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([head, Buffer.from(text)]);
    };
    const { stdout, stderr } = demuxDockerStream(Buffer.concat([frame(1, 'out1 '), frame(2, 'err'), frame(1, 'out2')]));
    expect([stdout.toString(), stderr.toString()]).toEqual(['out1 out2', 'err']);
  });
});

describe('requireDocker', () => {
  it('explains how to start the engine when it is not reachable', async () => {
    const err = await requireDocker({ socketPath: '/nonexistent/docker.sock' }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'docker_unavailable',
      message: expect.stringContaining('/nonexistent/docker.sock'),
      hint: expect.stringMatching(/apt-get install -y docker\.io.*dockerd.*systemctl start docker.*\.ci\/run/s),
    });
  });
});

describe('cleanupTestResources (real Docker)', () => {
  let docker: Docker;
  beforeAll(async () => {
    docker = await requireDocker();
  });

  it('removes exactly the labelled resources of one run', async () => {
    const image = await ensureBaseImage({ docker });
    const run = `cleanup-${Date.now().toString(36)}`;
    const other = `${run}-other`;
    const net = await docker.createNetwork({ Name: testResourceName('net', run), Labels: testLabels(run) });
    const volName = testResourceName('vol', run);
    await docker.createVolume({ Name: volName, Labels: testLabels(run) });
    const box = await docker.createContainer({ Image: image, Cmd: ['sleep', '60'], Labels: testLabels(run) });
    await box.start();
    const imageRef = `${testResourceName('img', run)}:v1`;
    const [repo, tag] = imageRef.split(':');
    await box.commit({ repo, tag, changes: Object.entries(testLabels(run)).map(([k, v]) => `LABEL ${k}=${v}`) });
    const keepName = testResourceName('keep', other);
    await docker.createVolume({ Name: keepName, Labels: testLabels(other) });
    try {
      const removed = await cleanupTestResources(run, docker);
      expect(removed).toEqual({ containers: 1, networks: 1, volumes: 1, images: 1 });
      await expect(docker.getImage(imageRef).inspect()).rejects.toMatchObject({ statusCode: 404 });
      await expect(box.inspect()).rejects.toMatchObject({ statusCode: 404 });
      await expect(net.inspect()).rejects.toMatchObject({ statusCode: 404 });
      await expect(docker.getVolume(volName).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect((await docker.getVolume(keepName).inspect()).Name).toBe(keepName);
      expect((await docker.getImage(image).inspect()).Id).toMatch(/^sha256:/); // base image kept
    } finally {
      await cleanupTestResources(other, docker);
      await cleanupTestResources(run, docker);
    }
  });

  it('global teardown removes what this run left behind', async () => {
    // The global setup chose the id before this worker started, and the worker inherited it.
    const ownRun = process.env.NANOCLAW_TEST_RUN_ID;
    expect(ownRun).toMatch(/^[0-9a-z]+-[0-9a-f]{8}$/);
    const leftover = `leftover-${Date.now().toString(36)}`;
    const name = testResourceName('leftover', leftover);
    await docker.createVolume({ Name: name, Labels: testLabels(leftover) });
    process.env.NANOCLAW_TEST_RUN_ID = leftover;
    try {
      await teardown();
    } finally {
      process.env.NANOCLAW_TEST_RUN_ID = ownRun;
    }
    await expect(docker.getVolume(name).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
