// Sessions keyed by client address and port, without building a key string per datagram.

/** address -> port -> value; lookups on the hot path allocate nothing. */
export class AddressMap<T> {
  private readonly byAddress = new Map<string, Map<number, T>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(address: string, port: number): T | undefined {
    return this.byAddress.get(address)?.get(port);
  }

  set(address: string, port: number, value: T): void {
    let ports = this.byAddress.get(address);
    if (!ports) {
      ports = new Map();
      this.byAddress.set(address, ports);
    }
    if (!ports.has(port)) this.count++;
    ports.set(port, value);
  }

  /** Deletes the entry only while it still holds `value`. */
  delete(address: string, port: number, value: T): void {
    const ports = this.byAddress.get(address);
    if (ports?.get(port) !== value) return;
    ports.delete(port);
    this.count--;
    if (ports.size === 0) this.byAddress.delete(address);
  }
}
