// The live HTTP streams (HTTP-FLV/TS/...) a node relays now, for the operator's sessions view, the
// kick and the bytes metrics. One entry per stream request, removed when its response closes. Byte
// counts are read from the client's socket when asked (no per-byte work): what it carried since
// the request began.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { streamKey } from '../../shared/stream-identity.ts';
import type { ControlClient } from '../control-client.ts';
import { sessionMetrics } from '../session-metrics.ts';
import { SessionDeletedError, type SessionView } from '../session-view.ts';

interface HttpStreamEntry {
  id: string;
  req: IncomingMessage;
  res: ServerResponse;
  startedAt: number;
  /** The socket's counters when the request began (a kept-alive socket carried others before). */
  readBefore: number;
  writtenBefore: number;
  stream?: string;
  backend?: string;
  /** Set by the raw relay, which writes the head to the socket, not through `res`. */
  relaying?: boolean;
}

function bytesOf(entry: HttpStreamEntry): { up: number; down: number } {
  const socket = entry.req.socket;
  return { up: socket.bytesRead - entry.readBefore, down: socket.bytesWritten - entry.writtenBefore };
}

export class HttpStreams {
  private readonly entries = new Map<string, HttpStreamEntry>();

  get size(): number {
    return this.entries.size;
  }

  /**
   * Tracks one stream request until its response closes; returns the control client to route it
   * with, which notes the stream and the backend it goes to.
   */
  track(id: string, req: IncomingMessage, res: ServerResponse, control: ControlClient): ControlClient {
    const entry: HttpStreamEntry = {
      id,
      req,
      res,
      startedAt: Date.now(),
      readBefore: req.socket.bytesRead,
      writtenBefore: req.socket.bytesWritten,
    };
    this.entries.set(id, entry);
    res.once('close', () => {
      this.entries.delete(id);
      const bytes = bytesOf(entry);
      sessionMetrics.closedBytes('http', bytes.up, bytes.down);
    });
    return {
      ...control,
      route: async (request) => {
        entry.stream = streamKey(request);
        const route = await control.route(request);
        entry.backend = route.backend.id;
        return route;
      },
    };
  }

  views(now: number): SessionView[] {
    return [...this.entries.values()].map((entry) => {
      const bytes = bytesOf(entry);
      return {
        id: entry.id,
        protocol: 'http',
        kind: 'play',
        stream: entry.stream,
        client: `${entry.req.socket.remoteAddress}:${entry.req.socket.remotePort}`,
        backend: entry.backend,
        bytesIn: bytes.up,
        bytesOut: bytes.down,
        ageMs: now - entry.startedAt,
        relaying: entry.relaying === true || entry.res.headersSent,
      };
    });
  }

  /** Notes that a stream relays (its head went to the player without `res`). */
  markRelaying(id: string): void {
    const entry = this.entries.get(id);
    if (entry) entry.relaying = true;
  }

  /** Ends one stream (close reason `deleted`); false when there is none by that id. */
  kick(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    entry.res.destroy(new SessionDeletedError());
    return true;
  }

  /** Bytes of the streams open now, for the bytes metrics at scrape. */
  liveBytes(): { up: number; down: number } {
    let up = 0;
    let down = 0;
    for (const entry of this.entries.values()) {
      const bytes = bytesOf(entry);
      up += bytes.up;
      down += bytes.down;
    }
    return { up, down };
  }
}
