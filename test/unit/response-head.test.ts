// The origin response head codec of the raw HTTP stream relay: a head SRS 7 sent (fixture, exact
// bytes), heads cut anywhere, garbage, oversized heads, and the head a player gets.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  MAX_RESPONSE_HEAD_BYTES,
  MAX_RESPONSE_HEADERS,
  parseResponseHead,
  playerResponseHead,
  ResponseHeadError,
} from '../../dataplane/http/response-head.ts';

const srs = readFileSync(new URL('../fixtures/srs/srs-hls-master.http', import.meta.url));
const chunkedFlv = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\nd\r\nFLV\x01\x05',
  'latin1',
);

describe('origin response head', () => {
  it('parses the head SRS sent and hands back the body bytes after it', () => {
    const head = parseResponseHead(srs);
    assert.ok(head);
    assert.equal(head.status, 200);
    assert.equal(head.reason, 'OK');
    assert.deepEqual(head.headers[2], ['Content-Type', 'application/vnd.apple.mpegurl']);
    assert.equal(head.headers.length, 4);
    assert.equal(head.rest.toString('latin1'), srs.subarray(srs.indexOf('#EXTM3U')).toString('latin1'));
  });

  it('waits for more on every cut before the end of the head, then parses the same head', () => {
    const end = chunkedFlv.indexOf('\r\n\r\n') + 4;
    for (let cut = 0; cut < end; cut++) {
      assert.equal(parseResponseHead(chunkedFlv.subarray(0, cut)), undefined, `cut at ${cut}`);
    }
    const head = parseResponseHead(chunkedFlv);
    assert.equal(head?.rest.toString('latin1'), 'd\r\nFLV\x01\x05');
  });

  it('refuses garbage at once, before a head end ever comes', () => {
    for (const garbage of ['GET / HTTP/1.1\r\n', '\x00\x01\x02', 'FLV\x01', 'HTTX']) {
      assert.throws(() => parseResponseHead(Buffer.from(garbage, 'latin1')), ResponseHeadError, garbage);
    }
  });

  it('refuses bad status lines and header lines', () => {
    const heads = [
      'HTTP/2 200 OK\r\n\r\n',
      'HTTP/1.1 20 OK\r\n\r\n',
      'HTTP/1.1 200 OK\rX: y\r\n\r\n',
      'HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n',
      'HTTP/1.1 200 OK\r\nBad name: x\r\n\r\n',
      'HTTP/1.1 200 OK\r\n folded: x\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX: a\nInjected: b\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n',
    ];
    for (const text of heads)
      assert.throws(() => parseResponseHead(Buffer.from(text, 'latin1')), ResponseHeadError, text);
  });

  it('refuses a head over the byte limit, complete or not, and too many headers', () => {
    const big = Buffer.from(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_RESPONSE_HEAD_BYTES)}`);
    assert.throws(() => parseResponseHead(big), /over 16384 bytes/);
    assert.throws(() => parseResponseHead(Buffer.concat([big, Buffer.from('\r\n\r\n')])), /over 16384 bytes/);
    const many = `HTTP/1.1 200 OK\r\n${'X: y\r\n'.repeat(MAX_RESPONSE_HEADERS + 1)}\r\n`;
    assert.throws(() => parseResponseHead(Buffer.from(many)), /headers/);
    const enough = `HTTP/1.1 200 OK\r\n${'X: y\r\n'.repeat(MAX_RESPONSE_HEADERS)}\r\n`;
    assert.equal(parseResponseHead(Buffer.from(enough))?.headers.length, MAX_RESPONSE_HEADERS);
  });

  it("gives the player the origin's status, headers and framing, connection-level ones replaced", () => {
    const head = parseResponseHead(chunkedFlv);
    assert.ok(head);
    const out = playerResponseHead(head, { 'access-control-allow-origin': '*', 'content-type': 'never' });
    assert.equal(
      out,
      'HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nTransfer-Encoding: chunked\r\n' +
        'access-control-allow-origin: *\r\nconnection: close\r\n\r\n',
    );
  });

  it('drops a Content-Length sent alongside Transfer-Encoding, keeps it alone', () => {
    const both = parseResponseHead(
      Buffer.from('HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n'),
    );
    assert.ok(both);
    assert.equal(
      playerResponseHead(both, {}),
      'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nconnection: close\r\n\r\n',
    );
    const alone = parseResponseHead(Buffer.from('HTTP/1.0 404 \r\nContent-Length: 5\r\n\r\n'));
    assert.ok(alone);
    assert.equal(playerResponseHead(alone, {}), 'HTTP/1.1 404 \r\nContent-Length: 5\r\nconnection: close\r\n\r\n');
  });
});
