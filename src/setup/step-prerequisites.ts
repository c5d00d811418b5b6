import { connectDocker } from '../docker/docker-client.js';
import { imageId, requireImage } from '../docker/images.js';
import type { SetupStep } from './types.js';

/** Prerequisites: the Docker engine answers, and the agent image is there (built when missing). Cheap, so never skipped. */
export const prerequisitesStep: SetupStep = {
  id: 'prerequisites',
  title: 'Prerequisites',
  isDone: async () => false,
  async run(ctx, say) {
    const docker = await connectDocker({ env: ctx.io.env });
    const version = (await docker.version()) as { Version?: string };
    say(`Docker engine ${version.Version ?? ''} answers`.replace('  ', ' '));
    const { agent } = await ctx.services.imageRefs();
    if ((await imageId(docker, agent)) !== null) return say(`Agent image ${agent} is present`);
    if (!ctx.options.build) await requireImage(docker, agent, 'agent');
    await ctx.services.buildImages({ kinds: ['agent'], progress: say });
  },
};
