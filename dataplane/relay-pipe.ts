// Moves bytes from one socket to another through a transform that returns the segments to
// write, honouring backpressure: when the destination's buffer is full the source pauses until
// 'drain'.

import type { Socket } from 'node:net';

export type SegmentTransform = (data: Buffer, out: Buffer[]) => void;

export interface PipeCounters {
  bytes: number;
}

/** Starts relaying `from` -> `to`; errors thrown by `transform` go to `onError`. */
export function pipeThrough(
  from: Socket,
  to: Socket,
  transform: SegmentTransform,
  onError: (err: unknown) => void,
  counters: PipeCounters = { bytes: 0 },
): void {
  const out: Buffer[] = [];
  const resume = () => from.resume();
  from.on('data', (data: Buffer) => {
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
    }
  });
}
