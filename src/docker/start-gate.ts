import type { ContainerCreateOptions } from 'dockerode';
import { NanoclawError } from '../common/errors.js';
import { FACT_SOURCES, FACTS_BEGIN, FACTS_END } from './network-facts.js';

/**
 * The start gate holds a just-started agent container before its real command runs: it first
 * prints the container's network facts (network-facts.ts) on stderr, then waits until SIGUSR1
 * releases it into `exec "$@"`. Shell builtins only (plus `sleep`), so any image with /bin/sh
 * works. PID 1 gets signals only for which it installed a handler: the trap is that handler, set
 * before the facts are printed, and the launcher signals only after reading them. `wait` returns
 * as soon as the trapped signal arrives, so the release takes no polling interval.
 */
const FACTS_SCRIPT =
  `{ echo ${FACTS_BEGIN}; for f in ${FACT_SOURCES.slice(0, 3).join(' ')}; do echo "@$f"; ` +
  '[ -r "$f" ] && while IFS= read -r l || [ -n "$l" ]; do printf "%s\\n" "$l"; done < "$f"; done; ' +
  `echo @/sys/class/net; for i in /sys/class/net/*; do echo "\${i##*/}"; done; echo ${FACTS_END}; } >&2`;
export const GATE_SCRIPT =
  `trap "go=1" USR1; ${FACTS_SCRIPT}; ` +
  'while [ -z "$go" ]; do sleep 1 & s=$!; wait $s; kill $s 2>/dev/null; wait $s 2>/dev/null; done; exec "$@"';
export const GATE_SIGNAL = 'SIGUSR1';
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
    Labels: { ...spec.Labels, [LABEL_GATED]: '1' },
  };
}
