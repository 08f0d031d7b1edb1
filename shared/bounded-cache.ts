// A Map that holds at most `limit` entries, dropping the oldest insert first (for caches keyed by
// what clients send: hostile keys cannot grow it), with an optional time to live per entry.

export class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly limit: number,
    /** 0: entries never expire, they only make way for newer ones. */
    private readonly ttlMs = 0,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.ttlMs === 0 || entry.until > this.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, until: this.ttlMs === 0 ? 0 : this.now() + this.ttlMs });
  }
}
