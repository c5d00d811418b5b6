import { directDial } from '../client.js';
import { INJECTED_HEADER, type Subject } from '../subject.js';

/** The baseline: the same client straight to the upstream, sending the header value itself. */
export async function startDirectSubject(o: { upstreamPort: number; upstreamCaPem: string; value: string }): Promise<Subject> {
  return {
    name: 'direct',
    dial: directDial({ port: o.upstreamPort, ca: o.upstreamCaPem }),
    headers: { [INJECTED_HEADER]: o.value },
    probe: null,
    close: async () => {},
  };
}
