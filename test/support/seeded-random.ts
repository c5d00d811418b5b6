/** Seeded randomness for generated-input tests: a failing case reproduces from its seed. */

/** mulberry32: small, fast and good enough to spread test inputs. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Half the time the first entry (the well-formed shape), else any: most cases stay close to valid. */
export const mostly = <T>(r: () => number, xs: readonly T[]): T => (r() < 0.5 ? xs[0]! : pick(r, xs));

/** Now and then one byte replaced, inserted or removed: messages near the valid ones. */
export function mutateBytes(r: () => number, text: Buffer): Buffer {
  if (r() < 0.6) return text;
  const at = Math.floor(r() * text.length);
  const b = Buffer.from([pick(r, [13, 10, 0, 32, 58, 9, 0x80, 65, 44, 0x7f, 48])]);
  const rest = text.subarray(at + (r() < 0.5 ? 1 : 0));
  return r() < 0.3 ? Buffer.concat([text.subarray(0, at), rest]) : Buffer.concat([text.subarray(0, at), b, rest]);
}
