// The raw HTTP stream relay against a raw TCP origin that writes its answers byte by byte as the
// test says: the origin request's headers, chunked framing passed through untouched (split
// anywhere), a stream the origin ends, garbage instead of a head, and the node:http fallback for
// HTTP/1.0 players (who cannot take chunked framing).
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type InProcessNode, startNodeWithHttpOrigin } from '../helpers/in-process-node.ts';
import { waitFor } from '../helpers/processes.ts';

let origin: Server;
let node: InProcessNode;
let httpPort: number;
/** What the origin does with the next request it reads: gets the request head and the socket. */
let answer: (head: string, socket: Socket) => void = () => {};

const CHUNKED_HEAD =
  'HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n';

before(async () => {
  origin = createServer((socket) => {
    let head = '';
    socket.on('data', (d) => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) answer(head, socket);
    });
    socket.on('error', () => {});
  });
  ({ node, httpPort } = await startNodeWithHttpOrigin(origin, 'raw'));
});

after(async () => {
  await node?.node.shutdown();
  await new Promise<void>((r) => origin.close(() => r()));
});

/** Sends a raw request to the node and reads everything until the node closes (or 3 s pass). */
function rawRequest(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(httpPort, '127.0.0.1');
    const timer = setTimeout(() => socket.destroy(), 3000);
    let text = '';
    socket.on('data', (d) => {
      text += d.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.write(request);
  });
}

describe('raw HTTP stream relay', () => {
  it('forwards the request minus hop-by-hop headers and the chunked body untouched, then closes', async () => {
    let seen = '';
    answer = (head, socket) => {
      seen = head;
      socket.write(`${CHUNKED_HEAD}9\r\nFLV\x01\x05\x00\x00`);
      setTimeout(() => socket.write('\x00\x09\r\n3\r\nabc\r\n'), 30);
      setTimeout(() => socket.end('0\r\n\r\n'), 60);
    };
    const text = await rawRequest(
      'GET /live/cam.flv?k=1 HTTP/1.1\r\nHost: edge.example\r\nX-Forwarded-For: 10.0.0.1\r\nConnection: keep-alive\r\nTE: trailers\r\nUser-Agent: t\r\n\r\n',
    );
    assert.match(seen, /^GET \/live\/cam\.flv\?k=1 HTTP\/1\.1\r\n/);
    assert.match(seen, /\r\nHost: edge\.example\r\n/);
    assert.match(seen, /\r\nUser-Agent: t\r\n/);
    assert.match(seen, /\r\nx-forwarded-for: 10\.0\.0\.1, 127\.0\.0\.1\r\n/);
    assert.doesNotMatch(seen, /keep-alive|\r\nTE:/i);
    const [head, body] = text.split('\r\n\r\n', 2) as [string, string];
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head, /\r\nTransfer-Encoding: chunked\r\n/);
    assert.match(head, /\r\naccess-control-allow-origin: \*\r\n/);
    assert.match(head, /\r\nconnection: close$/);
    assert.doesNotMatch(head, /keep-alive/i);
    assert.equal(text.slice(head.length + 4), '9\r\nFLV\x01\x05\x00\x00\x00\x09\r\n3\r\nabc\r\n0\r\n\r\n');
    assert.ok(body.startsWith('9\r\nFLV'));
    await waitFor('no stream left open', async () => node.node.dataPlane.http.activeStreams() === 0, 2000);
  });

  it('decodes as chunked in a fetch player', async () => {
    answer = (_head, socket) => {
      socket.write(`${CHUNKED_HEAD}3\r\nFLV\r\n`);
      setTimeout(() => socket.end('4\r\ndata\r\n0\r\n\r\n'), 20);
    };
    const res = await fetch(`http://127.0.0.1:${httpPort}/live/fetched.flv`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'FLVdata');
  });

  it('answers 502 JSON for garbage instead of a head, and for an origin that closes before answering', async () => {
    answer = (_head, socket) => socket.end('SSH-2.0-OpenSSH\r\n\r\n');
    const garbage = await fetch(`http://127.0.0.1:${httpPort}/live/garbage.flv`);
    assert.equal(garbage.status, 502);
    assert.equal(((await garbage.json()) as { error: string }).error, 'upstream');
    answer = (_head, socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Ty');
    const cut = await fetch(`http://127.0.0.1:${httpPort}/live/cut.flv`);
    assert.equal(cut.status, 502);
    await cut.body?.cancel();
  });

  it('gives an HTTP/1.0 player the body de-chunked through the node:http relay', async () => {
    answer = (_head, socket) => socket.end(`${CHUNKED_HEAD}3\r\nFLV\r\n4\r\ndata\r\n0\r\n\r\n`);
    const text = await rawRequest('GET /live/old.flv HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n');
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(text.slice(text.indexOf('\r\n\r\n') + 4), 'FLVdata');
  });

  it('closes a connection that pipelines a request behind a stream, which would corrupt it', async () => {
    let dialled = 0;
    answer = (_head, socket) => {
      dialled++;
      socket.write(`${CHUNKED_HEAD}3\r\nFLV\r\n`);
      const timer = setInterval(() => socket.write('1\r\nx\r\n'), 20);
      socket.on('close', () => clearInterval(timer));
    };
    const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    const text = await rawRequest(request('/live/one.flv') + request('/live/two.flv'));
    assert.ok(dialled <= 1, `the origin was dialled ${dialled} times`);
    assert.ok(text.split('HTTP/1.1 ').length <= 2, 'a second head went into the stream');
    await waitFor('no stream left open', async () => node.node.dataPlane.http.activeStreams() === 0, 2000);
  });
});
