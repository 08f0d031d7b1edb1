// The client-facing half of an RTMP session before relaying: handshake, then answer connect,
// releaseStream, FCPublish, createStream... as SRS does, until the client says publish or play.

import type { Socket } from 'node:net';
import { errorMessage, ProtocolError } from '../../shared/errors.ts';
import { appFromTcUrl } from '../../shared/stream-identity.ts';
import type { SocketReader } from '../socket-reader.ts';
import type { Amf0Value } from './amf0.ts';
import { ChunkWriter, type RtmpMessage } from './chunk-writer.ts';
import {
  callResult,
  connectResult,
  getNumber,
  getString,
  onBWDone,
  setPeerBandwidth,
  simpleResult,
  windowAckSize,
} from './commands.ts';
import { decodeC0C1, encodeS0S1S2, HANDSHAKE_SIZE } from './handshake.ts';
import { MessageReader, readCommand } from './message-reader.ts';
import { ChunkStream } from './message-types.ts';

/** The message stream id our createStream hands out. */
export const CLIENT_STREAM_ID = 1;
const COMMAND_PHASE_MAX_MESSAGE = 64 * 1024;
/** Chunk streams a client may have partial messages on before publish/play (commands come whole). */
const COMMAND_PHASE_MAX_PARTIALS = 4;
/** Chunk streams a client may use before publish/play (ffmpeg and OBS use 2 to 5). */
const COMMAND_PHASE_MAX_CHUNK_STREAMS = 16;
const DEFAULT_CLIENT_PHASE_MAX_BYTES = 64 * 1024;

/** What an RTMP session needs from its listener for the limits (see docs/data-plane.md, Limits). */
export interface RtmpSessionLimits {
  /** Bytes the client phase may hold: unparsed input plus partial messages (the handshake is read apart). */
  clientPhaseMaxBytes: number;
  /** A player whose socket stays backed up this long is closed; 0 = never. */
  writeStallMs: number;
  /** Called when the session starts relaying: it no longer counts as pending. */
  onRelaying?: () => void;
}

export interface ClientRequest {
  kind: 'publish' | 'play';
  app: string;
  tcUrl: string;
  /** The publish/play name as the client sent it, query string included. */
  name: string;
  /** Arguments of publish/play after the name (publish type; play start/duration/reset). */
  extraArgs: Amf0Value[];
  /** The message stream id the client used for publish/play. */
  msid: number;
  /** Extra connect properties worth passing on (pageUrl, swfUrl). */
  connectExtras: Record<string, string>;
  reader: MessageReader;
  writer: ChunkWriter;
}

export async function runClientPhase(
  socket: Socket,
  input: SocketReader,
  version: string,
  limits?: Pick<RtmpSessionLimits, 'clientPhaseMaxBytes'>,
): Promise<ClientRequest> {
  const maxBytes = limits?.clientPhaseMaxBytes ?? DEFAULT_CLIENT_PHASE_MAX_BYTES;
  const c0c1 = await input.read(1 + HANDSHAKE_SIZE);
  socket.write(encodeS0S1S2(decodeC0C1(c0c1), Math.floor(Date.now() / 1000)));
  await input.read(HANDSHAKE_SIZE); // C2: content unchecked, as every server does

  const reader = new MessageReader({
    maxMessageSize: Math.min(COMMAND_PHASE_MAX_MESSAGE, maxBytes),
    maxBuffered: maxBytes,
    maxPartials: COMMAND_PHASE_MAX_PARTIALS,
    maxChunkStreams: COMMAND_PHASE_MAX_CHUNK_STREAMS,
  });
  const writer = new ChunkWriter();
  const send = (csid: number, ...messages: RtmpMessage[]) => {
    for (const m of messages) socket.write(writer.encode(csid, m));
    // Replies are tiny, so a backlog means the client sends commands and reads nothing back.
    if (socket.writableLength > maxBytes)
      throw new ProtocolError(`client reads none of the replies (${socket.writableLength} bytes unsent)`);
  };
  let app: string | undefined;
  let tcUrl: string | undefined;
  let streamCreated = false;
  const connectExtras: Record<string, string> = {};

  for (;;) {
    const { command, msid } = await readCommand(reader, input);
    switch (command.name) {
      case 'connect': {
        // SRS takes vhost and app from the tcUrl alone; some clients (SRS's Go test client) send
        // no `app`. The backend still gets one: nginx-rtmp refuses a connect without it.
        tcUrl = getString(command.object, 'tcUrl');
        app = getString(command.object, 'app');
        if (tcUrl === undefined && app === undefined) throw new ProtocolError('connect without tcUrl and app');
        tcUrl ??= `rtmp://${socket.localAddress ?? '127.0.0.1'}/${app}`;
        app ??= appFromTcUrlOrThrow(tcUrl);
        for (const key of ['pageUrl', 'swfUrl']) {
          const value = getString(command.object, key);
          if (value) connectExtras[key] = value;
        }
        const objectEncoding = getNumber(command.object, 'objectEncoding') ?? 0;
        // No Set Chunk Size here: the chunk size the client should read is the origin's, announced
        // once the relay starts. Publishers such as ffmpeg echo every Set Chunk Size they receive,
        // and two changes in a row reach nginx-rtmp back to back, which it mis-parses.
        send(ChunkStream.ProtocolControl, windowAckSize(2_500_000), setPeerBandwidth(2_500_000));
        send(ChunkStream.OverConnection, connectResult(command.transactionId, objectEncoding, version), onBWDone());
        break;
      }
      case 'releaseStream':
      case 'FCPublish':
      case 'FCUnpublish':
        send(ChunkStream.OverConnection, simpleResult(command.transactionId));
        break;
      case 'createStream':
        streamCreated = true;
        send(ChunkStream.OverConnection, simpleResult(command.transactionId, CLIENT_STREAM_ID));
        break;
      case 'publish':
      case 'play': {
        if (app === undefined || tcUrl === undefined) throw new ProtocolError(`${command.name} before connect`);
        const [name, ...extraArgs] = command.args;
        if (typeof name !== 'string' || name === '') throw new ProtocolError(`${command.name} without a stream name`);
        return {
          kind: command.name,
          app,
          tcUrl,
          name,
          extraArgs,
          msid,
          connectExtras,
          reader,
          writer,
        };
      }
      default:
        // Any other call (_checkbw, deleteStream, closeStream...): before createStream SRS answers
        // `_result` null null (Haivision encoders wait for their _checkbw answer); after it, SRS
        // ignores them (getStreamLength, receiveAudio...), and so do we.
        if (!streamCreated) send(ChunkStream.OverConnection, callResult(command.transactionId));
        break;
    }
  }
}

function appFromTcUrlOrThrow(tcUrl: string): string {
  try {
    return appFromTcUrl(tcUrl);
  } catch (err) {
    throw new ProtocolError(`connect without app: ${errorMessage(err)}`);
  }
}
