// HTTP stream relay against a live HTTP origin of our own: status and headers pass through, the
// query string is forwarded, a client hang-up aborts the origin request at once, and a player
// that comes before the publisher waits as long as the origin makes it wait. The origin behaves
// as SRS 7.0.18 was measured to: for an unpublished stream it sends nothing, not even headers,
// until a publisher arrives.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type InProcessNode, startNodeWithHttpOrigin } from '../helpers/in-process-node.ts';
import { waitFor } from '../helpers/processes.ts';

let origin: Server;
let node: InProcessNode;
let httpPort: number;
const requests: IncomingMessage[] = [];
let closedAt: number | undefined;
/** Play-before-publish requests the origin holds, answered when the test "publishes". */
const waiting: { res: import('node:http').ServerResponse; since: number }[] = [];

before(async () => {
  origin = createServer((req, res) => {
    requests.push(req);
    if (req.url?.startsWith('/live/later')) {
      waiting.push({ res, since: Date.now() });
      return;
    }
    if (req.url?.startsWith('/live/missing')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such stream');
      return;
    }
    res.writeHead(200, { 'content-type': 'video/x-flv', server: 'test-origin', 'x-origin': 'yes' });
    res.write(Buffer.from('FLV\x01\x05\x00\x00\x00\x09'));
    const timer = setInterval(() => res.write(Buffer.alloc(1000, 7)), 20);
    req.on('close', () => {
      clearInterval(timer);
      closedAt = Date.now();
    });
  });
  ({ node, httpPort } = await startNodeWithHttpOrigin(origin, 'web'));
});

after(async () => {
  await node?.node.shutdown();
  origin?.closeAllConnections();
  await new Promise<void>((r) => origin.close(() => r()));
});

describe('HTTP stream relay', () => {
  it('passes status, headers and body, forwarding path, query and Host', async () => {
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${httpPort}/live/cam.flv?secret=abc`, { signal: controller.signal });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'video/x-flv');
    assert.equal(res.headers.get('x-origin'), 'yes');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const first = await res.body!.getReader().read();
    assert.equal(Buffer.from(first.value!).subarray(0, 3).toString(), 'FLV');
    const seen = requests[requests.length - 1]!;
    assert.equal(seen.url, '/live/cam.flv?secret=abc');
    assert.equal(seen.headers.host, `127.0.0.1:${httpPort}`);
    closedAt = undefined;
    const abortedAt = Date.now();
    controller.abort();
    await waitFor('origin request closed', async () => closedAt !== undefined, 2000);
    const delay = Number(closedAt) - abortedAt;
    assert.ok(delay < 1000, `origin request closed ${delay} ms after the client left`);
    await waitFor('no stream left open', async () => node.node.dataPlane.http.activeStreams() === 0, 2000);
  });

  it('keeps a player that came before the publisher waiting, with no headers, past 10 s', async () => {
    const controller = new AbortController();
    const response = fetch(`http://127.0.0.1:${httpPort}/live/later.flv`, { signal: controller.signal });
    await waitFor('the origin to hold the request', async () => waiting.length === 1 || undefined, 2000);
    // Once it waits on the origin it no longer counts as a session starting up.
    assert.equal(node.node.dataPlane.http.activeStreams(), 1);
    await waitFor(
      'the player to leave the pending count',
      async () => node.node.dataPlane.admission.pending === 0 || undefined,
      2000,
    );
    await new Promise((r) => setTimeout(r, 11_000));
    const held = waiting[0]!;
    assert.equal(held.res.destroyed, false, 'Switchyard gave up on the origin');
    held.res.writeHead(200, { 'content-type': 'video/x-flv' });
    held.res.write(Buffer.from('FLV\x01\x05\x00\x00\x00\x09'));
    const res = await response;
    assert.equal(res.status, 200);
    const first = await res.body!.getReader().read();
    assert.equal(Buffer.from(first.value!).subarray(0, 3).toString(), 'FLV');
    controller.abort();
    await waitFor('origin request closed', async () => held.res.destroyed || held.res.closed || undefined, 2000);
  });

  it('ends the wait when the player hangs up before anyone publishes', async () => {
    const controller = new AbortController();
    const response = fetch(`http://127.0.0.1:${httpPort}/live/later2.flv`, { signal: controller.signal }).catch(
      (err: Error) => err,
    );
    await waitFor('the origin to hold the request', async () => waiting.length === 2 || undefined, 2000);
    const held = waiting[1]!;
    controller.abort();
    assert.ok((await response) instanceof Error);
    await waitFor('the origin request to close', async () => held.res.req.destroyed || undefined, 2000);
    await waitFor('no stream left open', async () => node.node.dataPlane.http.activeStreams() === 0, 2000);
  });

  it('keeps an origin 404 a 404', async () => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/live/missing.flv`);
    assert.equal(res.status, 404);
    assert.equal(await res.text(), 'no such stream');
  });
});
