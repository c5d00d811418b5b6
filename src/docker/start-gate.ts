import type { ContainerCreateOptions } from 'dockerode';
import { NanoclawError } from '../common/errors.js';

/**
 * The start gate holds a just-started agent container before its real command runs, so the
 * lockdown self-test can probe from inside it; SIGUSR1 releases it into `exec "$@"`.
 * PID 1 gets signals only for which it installed a handler: the trap is that handler.
 */
export const GATE_SCRIPT = 'trap "go=1" USR1; while [ -z "$go" ]; do sleep 0.1 2>/dev/null || sleep 1; done; exec "$@"';
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
