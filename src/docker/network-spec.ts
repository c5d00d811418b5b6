/** A Docker network as nanoclaw needs it. */
export interface NetworkSpec {
  name: string;
  /** No route out of the network (Docker's --internal). */
  internal: boolean;
  /** Driver options that must have these values. */
  options: Record<string, string>;
  labels: Record<string, string>;
}

/** The fields of `docker network inspect` that matter here. */
export interface InspectedNetwork {
  Name: string;
  Driver?: string;
  Internal?: boolean;
  EnableIPv6?: boolean;
  Options?: Record<string, string> | null;
}

export const INHIBIT_IPV4 = 'com.docker.network.bridge.inhibit_ipv4';

/** The bridge network the vault reaches the internet through. */
export function outboundNetworkSpec(input: { name: string; labels: Record<string, string> }): NetworkSpec {
  return { name: input.name, internal: false, options: {}, labels: input.labels };
}

/**
 * The lockdown network: internal (no route out), and with inhibit_ipv4 so the host has no
 * address on the bridge either; a plain --internal network still reaches host services
 * through the bridge's gateway address (DESIGN.md). The vault joins it as `gateway`.
 */
export function egressNetworkSpec(input: { name: string; labels: Record<string, string> }): NetworkSpec {
  return { name: input.name, internal: true, options: { [INHIBIT_IPV4]: 'true' }, labels: input.labels };
}

const TRUE = /^(?:1|t|true)$/i; // Docker reads bool options with Go's strconv.ParseBool

/**
 * How an existing network differs from `spec`, one readable phrase per difference; empty
 * when it will do. Extra options are fine; labels are not compared (a network made by hand
 * or by compose with the right settings is used as is). Pure.
 */
export function networkDifferences(spec: NetworkSpec, actual: InspectedNetwork): string[] {
  const out: string[] = [];
  const driver = actual.Driver ?? 'bridge';
  if (driver !== 'bridge') out.push(`its driver is ${driver} (needs bridge)`);
  if ((actual.Internal ?? false) !== spec.internal) {
    out.push(spec.internal ? 'it is not internal (needs --internal)' : 'it is internal (the vault needs a route out)');
  }
  // An IPv6 bridge gives the host an address on it: the escape inhibit_ipv4 closes for IPv4.
  if (spec.internal && actual.EnableIPv6) out.push('it has IPv6 enabled (needs it off)');
  for (const [key, wanted] of Object.entries(spec.options)) {
    const value = actual.Options?.[key];
    const same = value !== undefined && (TRUE.test(wanted) ? TRUE.test(value) : value === wanted);
    if (!same) out.push(`option ${key} is ${value === undefined ? 'unset' : JSON.stringify(value)} (needs ${JSON.stringify(wanted)})`);
  }
  return out;
}

/** The body of POST /networks/create for `spec`. */
export function networkCreateOptions(spec: NetworkSpec) {
  return {
    Name: spec.name,
    Driver: 'bridge',
    Internal: spec.internal,
    EnableIPv6: false,
    Options: spec.options,
    Labels: spec.labels,
    // Engines before API 1.44 allow two networks of one name unless asked not to.
    CheckDuplicate: true,
  };
}
