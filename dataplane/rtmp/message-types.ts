// RTMP message type ids and the chunk stream ids this proxy writes on.

export const MessageType = {
  SetChunkSize: 1,
  Abort: 2,
  Acknowledgement: 3,
  UserControl: 4,
  WindowAckSize: 5,
  SetPeerBandwidth: 6,
  Audio: 8,
  Video: 9,
  DataAmf3: 15,
  CommandAmf3: 17,
  DataAmf0: 18,
  CommandAmf0: 20,
} as const;

/** Chunk stream ids, as SRS uses them. */
export const ChunkStream = {
  ProtocolControl: 2,
  OverConnection: 3,
  OverStream: 5,
} as const;
