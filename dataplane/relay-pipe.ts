// Moves bytes from one socket to another through a transform that returns the segments to
// write, honouring backpressure: when the destination's buffer is full the source pauses until
// 'drain'. A destination that stays backed up for the stall timeout (a player that reads nothing)
// ends the pipe with a StallError.

import type { Socket } from 'node:net';

export type SegmentTransform = (data: Buffer, out: Buffer[]) => void;

export interface PipeCounters {
  bytes: number;
}

/** A peer did not take our writes for the stall timeout. */
export class StallError extends Error {
  constructor(ms: number) {
    super(`client stalled: its write backlog did not drain for ${ms / 1000} s`);
    this.name = 'StallError';
  }
}

/**
 * One timer per backpressure episode, not per write: start() when a write backs up, stop() on
 * 'drain'; onStall runs when a backlog outlives `ms`. A timeout of 0 never fires.
 */
export class StallTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly onStall: () => void,
  ) {}

  readonly start = (): void => {
    if (this.ms > 0 && this.timer === undefined) this.timer = setTimeout(this.fire, this.ms);
  };

  readonly stop = (): void => {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  };

  private readonly fire = (): void => {
    this.timer = undefined;
    this.onStall();
  };
}

/**
 * Starts relaying `from` -> `to`; errors thrown by `transform` go to `onError`, and so does a
 * StallError when `to` stays backed up for `options.writeStallMs` (0 or unset: never).
 * Returns a function that stops the relay (its listeners and timer), leaving both sockets open.
 */
export function pipeThrough(
  from: Socket,
  to: Socket,
  transform: SegmentTransform,
  onError: (err: unknown) => void,
  counters: PipeCounters = { bytes: 0 },
  options: { writeStallMs?: number } = {},
): () => void {
  const out: Buffer[] = [];
  const stallMs = options.writeStallMs ?? 0;
  const stall = new StallTimer(stallMs, () => onError(new StallError(stallMs)));
  const resume = () => {
    stall.stop();
    from.resume();
  };
  to.once('close', stall.stop);
  const onData = (data: Buffer) => {
    try {
      transform(data, out);
    } catch (err) {
      out.length = 0;
      onError(err);
      return;
    }
    if (out.length === 0) return;
    let ok: boolean;
    if (out.length === 1) {
      ok = to.write(out[0] as Buffer);
      counters.bytes += (out[0] as Buffer).length;
    } else {
      to.cork();
      for (const segment of out) {
        to.write(segment);
        counters.bytes += segment.length;
      }
      to.uncork();
      ok = !to.writableNeedDrain;
    }
    out.length = 0;
    if (!ok) {
      from.pause();
      to.once('drain', resume);
      stall.start();
    }
  };
  from.on('data', onData);
  return () => {
    from.off('data', onData);
    to.off('drain', resume);
    to.off('close', stall.stop);
    stall.stop();
  };
}
