/**
 * Values by a pair of keys, found with two lookups by what a caller already holds (ids, names,
 * objects) instead of a key string joined per call. Bounded: past `max` pairs it starts again
 * empty, so whatever it keeps for gone agents, hosts or grants cannot pile up.
 */
export class PairCache<A, B, V> {
  private readonly maps = new Map<A, Map<B, V>>();
  private readonly max: number;
  private count = 0;

  constructor(o: { max: number }) {
    this.max = o.max;
  }

  get(a: A, b: B): V | undefined {
    return this.maps.get(a)?.get(b);
  }

  /**
   * The value kept for the pair, else `make(a, b)`, kept and returned. `make` is best a function
   * made once (a module's), so a call allocates nothing when the pair is known.
   */
  obtain(a: A, b: B, make: (a: A, b: B) => V): V {
    let value = this.get(a, b);
    if (value === undefined) {
      value = make(a, b);
      this.set(a, b, value);
    }
    return value;
  }

  set(a: A, b: B, value: V): void {
    let inner = this.maps.get(a);
    if (!inner?.has(b)) {
      if (this.count >= this.max) {
        this.maps.clear();
        this.count = 0;
        inner = undefined;
      }
      this.count++;
    }
    if (!inner) this.maps.set(a, (inner = new Map()));
    inner.set(b, value);
  }
}
