// Coalesces concurrent identical work: callers asking for a key while its work is in flight share
// that work's outcome; the next caller after it settles starts afresh. Nothing is kept once
// settled, so an answer is never older than the request it joined.

export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const started = work().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  /** Keys in flight now. */
  get size(): number {
    return this.inFlight.size;
  }
}
