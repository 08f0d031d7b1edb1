// The backend-facing half of an RTMP session: handshake as a client, connect (with app and
// tcUrl), createStream, then publish or play with the client's stream name (query included).
// Waits only for replies every origin sends (connect and createStream results); nginx-rtmp does
// not answer releaseStream/FCPublish.

import type { Socket } from 'node:net';
import { UpstreamError } from '../../shared/errors.ts';
import type { SocketReader } from '../socket-reader.ts';
import { ChunkWriter, type RtmpMessage } from './chunk-writer.ts';
import type { ClientRequest } from './client-phase.ts';
import { commandMessage, connectCommand, getString } from './commands.ts';
import { encodeC0C1, encodeC2, HANDSHAKE_SIZE } from './handshake.ts';
import { MessageReader, readCommand } from './message-reader.ts';
import { ChunkStream } from './message-types.ts';

export interface BackendSession {
  reader: MessageReader;
  writer: ChunkWriter;
  /** The message stream id the backend's createStream returned. */
  msid: number;
}

export async function runBackendPhase(
  socket: Socket,
  input: SocketReader,
  request: ClientRequest,
): Promise<BackendSession> {
  socket.write(encodeC0C1());
  const s0s1s2 = await input.read(1 + 2 * HANDSHAKE_SIZE);
  socket.write(encodeC2(s0s1s2));

  const reader = new MessageReader({ maxMessageSize: 64 * 1024, maxBuffered: 1024 * 1024 });
  const writer = new ChunkWriter();
  const send = (csid: number, m: RtmpMessage) => socket.write(writer.encode(csid, m));

  send(ChunkStream.OverConnection, connectCommand(1, request.app, request.tcUrl, request.connectExtras));
  let txn = 2;
  if (request.kind === 'publish') {
    send(ChunkStream.OverConnection, commandMessage(0, 'releaseStream', txn++, null, request.name));
    send(ChunkStream.OverConnection, commandMessage(0, 'FCPublish', txn++, null, request.name));
  }
  const createTxn = txn++;
  send(ChunkStream.OverConnection, commandMessage(0, 'createStream', createTxn, null));

  let msid: number | undefined;
  while (msid === undefined) {
    const { command } = await readCommand(reader, input);
    if (!command) continue;
    if (command.name === '_error' || (command.name === 'onStatus' && getString(command.args[0], 'level') === 'error')) {
      const info = command.args[0];
      throw new UpstreamError(
        `backend refused ${command.transactionId === 1 ? 'connect' : 'the stream'}: ${getString(info, 'code') ?? ''} ${getString(info, 'description') ?? ''}`.trim(),
      );
    }
    if (command.name === '_result' && command.transactionId === createTxn) {
      const id = command.args[0];
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0)
        throw new UpstreamError('backend createStream gave no stream id');
      msid = id;
    }
  }

  const verb = request.kind;
  send(ChunkStream.OverStream, commandMessage(msid, verb, txn++, null, request.name, ...request.extraArgs));
  return { reader, writer, msid };
}
