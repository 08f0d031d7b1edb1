// A test origin that speaks SRS's HTTP API, and only that: a real HTTP server on a loopback port
// answering /api/v1/streams/, /api/v1/streams/<id>, /api/v1/clients/ and /api/v1/summaries with
// the answers captured from SRS 7 (test/fixtures/srs/srs-api-*.json). The nginx-rtmp and
// Node-Media-Server origins the other tests use have no SRS API. Each instance renames the
// captured stream (name and id) so two origins list different streams.
import { createServer, type Server } from 'node:http';
import { srsCapture } from './captured-srs-origin.ts';
import { freePort } from './ports.ts';

export interface SrsApiOrigin {
  port: number;
  /** The stream this origin lists, and its SRS id. */
  stream: { name: string; id: string };
  /** Paths asked, in order. */
  requests: string[];
  stop(): Promise<void>;
}

const CAPTURED_NAME = 'livestream';
const CAPTURED_ID = 'vid-ug2n628';

function renamed(file: string, name: string, id: string): Record<string, unknown> {
  const body = JSON.parse(srsCapture(file)) as Record<string, unknown>;
  const rename = (x: Record<string, unknown>) => {
    if (x.name === CAPTURED_NAME) x.name = name;
    if (x.id === CAPTURED_ID) x.id = id;
    if (x.stream === CAPTURED_ID) x.stream = id;
    if (typeof x.url === 'string') x.url = x.url.replace(CAPTURED_NAME, name);
    return x;
  };
  for (const list of [body.streams, body.clients]) if (Array.isArray(list)) list.forEach(rename);
  if (body.stream && typeof body.stream === 'object') rename(body.stream as Record<string, unknown>);
  return body;
}

export async function startSrsApiOrigin(name: string): Promise<SrsApiOrigin> {
  const id = `vid-${name}`;
  const requests: string[] = [];
  const answers: Record<string, Record<string, unknown>> = {
    '/api/v1/streams/': renamed('srs-api-streams.json', name, id),
    [`/api/v1/streams/${id}`]: renamed('srs-api-stream-one.json', name, id),
    '/api/v1/clients/': renamed('srs-api-clients.json', name, id),
    '/api/v1/summaries': renamed('srs-api-summaries.json', name, id),
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    requests.push(req.url ?? '/');
    const body = answers[path];
    // SRS answers an unknown stream id with HTTP 200 and an error code (ERROR_RTMP_STREAM_NOT_FOUND).
    const text = JSON.stringify(body ?? { code: 2048 });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    stream: { name, id },
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
