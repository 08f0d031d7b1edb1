// RTMP command and protocol-control messages, built and parsed the way SRS does. Pure.

import { ProtocolError } from '../../shared/errors.ts';
import { type Amf0Object, type Amf0Value, decodeAmf0, EcmaArray, encodeAmf0 } from './amf0.ts';
import type { RtmpMessage } from './chunk-writer.ts';
import { MessageType } from './message-types.ts';

export interface Command {
  name: string;
  transactionId: number;
  /** The command object (often null) and the arguments after it. */
  object: Amf0Value;
  args: Amf0Value[];
}

/** Decodes an AMF0 command (type 20) or an AMF3-wrapped one (type 17, leading 0 byte). */
export function decodeCommand(message: RtmpMessage): Command {
  const body = message.type === MessageType.CommandAmf3 ? message.payload.subarray(1) : message.payload;
  const values = decodeAmf0(body);
  const [name, transactionId, object, ...args] = values;
  if (typeof name !== 'string') throw new ProtocolError('command without a name');
  return { name, transactionId: typeof transactionId === 'number' ? transactionId : 0, object: object ?? null, args };
}

export function commandMessage(msid: number, ...values: Amf0Value[]): RtmpMessage {
  return { type: MessageType.CommandAmf0, msid, timestamp: 0, payload: encodeAmf0(...values) };
}

function u32Message(type: number, value: number): RtmpMessage {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(value >>> 0, 0);
  return { type, msid: 0, timestamp: 0, payload };
}

export const setChunkSize = (size: number) => u32Message(MessageType.SetChunkSize, size);
export const windowAckSize = (size: number) => u32Message(MessageType.WindowAckSize, size);

export function setPeerBandwidth(size: number, limitType = 2): RtmpMessage {
  const payload = Buffer.alloc(5);
  payload.writeUInt32BE(size, 0);
  payload[4] = limitType;
  return { type: MessageType.SetPeerBandwidth, msid: 0, timestamp: 0, payload };
}

/** User control event Stream Begin (event 0) for a message stream. */
export function streamBegin(msid: number): RtmpMessage {
  const payload = Buffer.alloc(6);
  payload.writeUInt16BE(0, 0);
  payload.writeUInt32BE(msid, 2);
  return { type: MessageType.UserControl, msid: 0, timestamp: 0, payload };
}

export const SERVER_SIGNATURE = 'Switchyard';

/** The `_result` of connect, in SRS's shape. */
export function connectResult(transactionId: number, objectEncoding: number, version: string): RtmpMessage {
  return commandMessage(
    0,
    '_result',
    transactionId,
    { fmsVer: 'FMS/3,5,3,888', capabilities: 127, mode: 1 },
    {
      level: 'status',
      code: 'NetConnection.Connect.Success',
      description: 'Connection succeeded',
      objectEncoding,
      data: new EcmaArray({ version, srs_server: SERVER_SIGNATURE }),
    },
  );
}

export function simpleResult(transactionId: number, value: Amf0Value = undefined): RtmpMessage {
  return commandMessage(0, '_result', transactionId, null, value);
}

/** SRS's answer to a call it has nothing for (SrsCallResPacket): `_result` null null. */
export function callResult(transactionId: number): RtmpMessage {
  return commandMessage(0, '_result', transactionId, null, null);
}

export function onBWDone(): RtmpMessage {
  return commandMessage(0, 'onBWDone', 0, null);
}

export function onStatus(msid: number, level: 'status' | 'error', code: string, description: string): RtmpMessage {
  return commandMessage(msid, 'onStatus', 0, null, { level, code, description });
}

/** connect toward a backend: nginx-rtmp rejects a connect without `app`. */
export function connectCommand(transactionId: number, app: string, tcUrl: string, extra: Amf0Object = {}): RtmpMessage {
  return commandMessage(0, 'connect', transactionId, {
    app,
    flashVer: 'FMLE/3.0 (compatible; Switchyard)',
    tcUrl,
    fpad: false,
    capabilities: 239,
    audioCodecs: 3575,
    videoCodecs: 252,
    videoFunction: 1,
    objectEncoding: 0,
    ...extra,
  });
}

export function getString(obj: Amf0Value, key: string): string | undefined {
  if (obj && typeof obj === 'object' && !Array.isArray(obj) && !(obj instanceof Date) && !(obj instanceof EcmaArray)) {
    const value = (obj as Amf0Object)[key];
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

export function getNumber(obj: Amf0Value, key: string): number | undefined {
  if (obj && typeof obj === 'object' && !Array.isArray(obj) && !(obj instanceof Date) && !(obj instanceof EcmaArray)) {
    const value = (obj as Amf0Object)[key];
    return typeof value === 'number' ? value : undefined;
  }
  return undefined;
}
