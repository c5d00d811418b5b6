import type { ContainerCreateOptions } from 'dockerode';
import { NanoclawError } from '../common/errors.js';
import { FACT_SOURCES, FACTS_BEGIN, FACTS_END } from './network-facts.js';

/**
 * The start gate holds a just-started agent container before its real command runs: it first
 * prints the container's network facts (network-facts.ts) on stderr, then reads one line from its
 * stdin, which the launcher holds through its attach stream (agent-launch.ts `openGate`). The line
 * GATE_RELEASE releases it into `exec "$@"`, with stdin on /dev/null as a container without the
 * gate has; anything else, or the end of the stream (the launcher refused, died or detached: the
 * container keeps stdin open for that one attach only), exits 1 and the command never runs. A
 * write to a stream already open costs the release no round trip to the engine, as a signal did.
 * Shell builtins only, so any image with /bin/sh works.
 */
const FACTS_SCRIPT =
  `{ echo ${FACTS_BEGIN}; for f in ${FACT_SOURCES.slice(0, 3).join(' ')}; do echo "@$f"; ` +
  '[ -r "$f" ] && while IFS= read -r l || [ -n "$l" ]; do printf "%s\\n" "$l"; done < "$f"; done; ' +
  `echo @/sys/class/net; for i in /sys/class/net/*; do echo "\${i##*/}"; done; echo ${FACTS_END}; } >&2`;
export const GATE_RELEASE = 'nanoclaw-release';
export const GATE_SCRIPT = `${FACTS_SCRIPT}; if IFS= read -r line && [ "$line" = ${GATE_RELEASE} ]; then exec "$@" </dev/null; fi; exit 1`;
export const LABEL_GATED = 'nanoclaw.gated';

export interface ImageCommand {
  Entrypoint?: string[] | string | null;
  Cmd?: string[] | string | null;
}

const asList = (v: string[] | string | null | undefined): string[] | null =>
  v == null ? null : Array.isArray(v) ? v : ['/bin/sh', '-c', v];

/** The same spec with its command wrapped in the gate (the image's entrypoint and cmd made explicit). Pure. */
export function gatedSpec(spec: ContainerCreateOptions, image: ImageCommand): ContainerCreateOptions {
  const entrypoint = asList(spec.Entrypoint) ?? asList(image.Entrypoint) ?? [];
  // Docker drops the image's Cmd once Entrypoint is overridden, so it is carried over here.
  const cmd = asList(spec.Cmd) ?? (spec.Entrypoint ? [] : (asList(image.Cmd) ?? []));
  if (entrypoint.length + cmd.length === 0) {
    throw new NanoclawError('no_command', `Image ${spec.Image} has no command and none was given`, {
      hint: 'Set "command" in container.json or pass one: ncl launch <folder> -- <command…>',
    });
  }
  return {
    ...spec,
    Entrypoint: ['/bin/sh', '-c', GATE_SCRIPT, 'nanoclaw-gate', ...entrypoint],
    Cmd: cmd,
    // The gate's stdin is the launcher's attach stream, closed when that one attach ends.
    OpenStdin: true,
    StdinOnce: true,
    Labels: { ...spec.Labels, [LABEL_GATED]: '1' },
  };
}
