import { serveParent } from './ipc.js';
import { collectGarbage, ownFigures } from './own-figures.js';
import { startUpstream, type UpstreamCounts, type UpstreamOptions, type UpstreamServer } from './upstream-server.js';

/** The upstream in its own process, so its CPU is neither the gateway's nor the load generator's. */

export interface UpstreamReady {
  port: number;
  caPem: string;
}

function main(): void {
  let upstream: UpstreamServer | undefined;
  const running = (): UpstreamServer => {
    if (!upstream) throw new Error('upstream not started');
    return upstream;
  };
  serveParent(
    {
      async start(payload): Promise<UpstreamReady> {
        upstream = await startUpstream(payload as UpstreamOptions);
        return { port: upstream.port, caPem: upstream.caPem };
      },
      counts: (): UpstreamCounts => ({ ...running().counts }),
      reset(): void {
        running().counts.matched = 0;
        running().counts.missing = 0;
        running().counts.connections = 0;
      },
      figures: ownFigures,
      gc: collectGarbage,
    },
    async () => {
      await upstream?.close();
    },
  );
}

main();
