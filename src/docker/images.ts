import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { NanoclawError, errorMessage } from '../common/errors.js';
import { findPackageRoot } from '../common/package-layout.js';
import { type ImageKind } from './build-context.js';
import { collectBuildContext, contextTarStream } from './build-context-files.js';
import { interpretBuildEvent, missingBaseImage, splitJsonLines } from './build-output.js';

export const DEFAULT_BASE_IMAGE = 'node:24-bookworm-slim';
/** The vault image's build stage: Node 24 with its headers, g++, make and python3. */
export const DEFAULT_BUILD_IMAGE = 'node:24-bookworm';

/**
 * The image the native addon is compiled in: the one given, else the default's full twin when the
 * base is the default, else the base itself (a local base given for offline builds: it may carry
 * a toolchain; without one the stage warns and the gateway uses Node's TLS). Pure.
 */
export function buildStageImage(input: { baseImage: string; buildImage?: string | undefined }): string {
  return input.buildImage ?? (input.baseImage === DEFAULT_BASE_IMAGE ? DEFAULT_BUILD_IMAGE : input.baseImage);
}
/** Label with the build context's hash: an image whose label matches needs no rebuild. */
export const CONTEXT_HASH_LABEL = 'nanoclaw.image.context';
export const KIND_LABEL = 'nanoclaw.image.kind';

export interface BuildImageOptions {
  docker: Docker;
  kind: ImageKind;
  /** The tag to build, e.g. nanoclaw-vault:0.1.0. */
  tag: string;
  /** Default node:24-bookworm-slim. */
  baseImage?: string;
  /** Where the vault image's native addon is compiled; see buildStageImage. */
  buildImage?: string;
  /** Labels for the image (resourceLabels with role "image"). */
  labels: Record<string, string>;
  /** Default: the installed package this module belongs to. */
  packageRoot?: string;
  /** Agent image: host path of the Claude Code binary to put in it (ensureClaudeCodeBinary). */
  claudeCode?: string;
  /** Extra --build-arg values (for example AGENT_PACKAGES=""). */
  buildArgs?: Record<string, string>;
  /** Called with each line of build output. */
  onLine?: (line: string) => void;
  /** Skip the build when `tag` exists and was built from the same context, base and args. */
  reuseIfUnchanged?: boolean;
}

export interface BuiltImage {
  tag: string;
  id: string;
  /** Hash of the build context plus the base image and build args. */
  contextHash: string;
  durationMs: number;
  /** True when reuseIfUnchanged found the image already built from this context. */
  reused: boolean;
}

/** True when `ref` names an image present in the local engine. */
export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  return docker.getImage(ref).inspect().then(() => true, () => false);
}

/** The engine's id of image `ref`, or null when it is not present. */
export async function imageId(docker: Docker, ref: string): Promise<string | null> {
  return docker.getImage(ref).inspect().then((i) => i.Id, () => null);
}

/** Throws `image_missing` (with the command that builds it) unless `ref` is present. */
export async function requireImage(docker: Docker, ref: string, kind: ImageKind): Promise<void> {
  if (await imageExists(docker, ref)) return;
  throw new NanoclawError('image_missing', `The ${kind} image ${ref} is not in the local Docker engine`, {
    hint: `Build it: ncl images build --only ${kind} (add --base-image IMG when offline), or run the command again with --build`,
  });
}

async function runBuild(stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<string | null> {
  let rest = '';
  let id: string | null = null;
  let failure: string | null = null;
  for await (const chunk of stream) {
    const split = splitJsonLines(rest + chunk.toString());
    rest = split.rest;
    for (const event of split.events) {
      const out = interpretBuildEvent(event);
      if (out?.type === 'lines') out.lines.forEach(onLine);
      else if (out?.type === 'image') id = out.id;
      else if (out?.type === 'error') failure = out.message;
    }
  }
  if (failure !== null) throw new Error(failure);
  return id;
}

/** Builds the `kind` image from a context assembled from the installed package; streams output to `onLine`. */
export async function buildImage(options: BuildImageOptions): Promise<BuiltImage> {
  const { docker, kind, tag } = options;
  const baseImage = options.baseImage ?? DEFAULT_BASE_IMAGE;
  const onLine = options.onLine ?? (() => undefined);
  const started = Date.now();
  const context = await collectBuildContext({
    kind,
    packageRoot: options.packageRoot ?? findPackageRoot(),
    ...(options.claudeCode ? { claudeCode: options.claudeCode } : {}),
  });
  const buildArgs = { ...options.buildArgs, BASE_IMAGE: baseImage, ...(kind === 'vault' ? { BUILD_IMAGE: buildStageImage({ baseImage, buildImage: options.buildImage }) } : {}) };
  const contextHash = createHash('sha256').update(context.hash).update(JSON.stringify(Object.entries(buildArgs).sort())).digest('hex');
  if (options.reuseIfUnchanged) {
    const existing = await docker.getImage(tag).inspect().catch(() => null);
    if (existing?.Config?.Labels?.[CONTEXT_HASH_LABEL] === contextHash) {
      onLine(`${tag} is up to date (built from the same files)`);
      return { tag, id: existing.Id, contextHash, durationMs: Date.now() - started, reused: true };
    }
  }
  let id: string | null;
  try {
    const stream = await docker.buildImage(contextTarStream(context.files), {
      t: tag,
      buildargs: buildArgs,
      labels: { ...options.labels, [CONTEXT_HASH_LABEL]: contextHash, [KIND_LABEL]: kind },
      rm: true,
      forcerm: true,
    });
    id = await runBuild(stream, onLine);
  } catch (err) {
    const message = errorMessage(err);
    if (missingBaseImage(message)) {
      throw new NanoclawError('base_image_unavailable', `Building ${tag} failed: the base image ${baseImage} is not available locally and could not be pulled (${message})`, {
        hint: `Pull it where there is network (docker pull ${baseImage}), or give a local image with Node 24: ncl images build --base-image IMG`,
        cause: err,
      });
    }
    throw new NanoclawError('image_build_failed', `Building ${tag} from ${baseImage} failed: ${message}`, {
      hint: 'Read the build output above; fix the cause, then run: ncl images build',
      cause: err,
    });
  }
  return { tag, id: id ?? (await imageId(docker, tag)) ?? 'unknown', contextHash, durationMs: Date.now() - started, reused: false };
}
