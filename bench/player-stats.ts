// What a load-generating player records: bytes, time to the first media byte, and the longest
// gap between two reads (a stalled relay shows as a long gap, not as lower Mbps).
import { performance } from 'node:perf_hooks';

export class PlayerStats {
  bytes = 0;
  /** Milliseconds from dialling to the first media byte; NaN until it arrives. */
  firstByteMs = Number.NaN;
  maxGapMs = 0;
  private lastReadAt = 0;
  private readonly startedAt = performance.now();

  /** Counts one read of `n` media bytes. */
  read(n: number): void {
    const now = performance.now();
    if (Number.isNaN(this.firstByteMs)) this.firstByteMs = now - this.startedAt;
    else if (now - this.lastReadAt > this.maxGapMs) this.maxGapMs = now - this.lastReadAt;
    this.lastReadAt = now;
    this.bytes += n;
  }

  /** Starts a measurement window: gaps before it (start-up) do not count. */
  resetGap(): void {
    this.maxGapMs = 0;
  }

  /** The longest gap so far, counting the time since the last read. */
  gapUntilNow(): number {
    return Math.max(this.maxGapMs, performance.now() - this.lastReadAt);
  }
}

export interface Player {
  stats: PlayerStats;
  close(): void;
}
