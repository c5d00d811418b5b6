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
