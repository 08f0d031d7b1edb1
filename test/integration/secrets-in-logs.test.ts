// A registration secret never reaches the logs: not from a wrong secret, not from a client that
// aborts its registration body half-way (which once logged the path with a stack trace).

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, it } from 'node:test';
import { createLogger } from '../../shared/log.ts';
import { type InProcessNode, startInProcessNode } from '../helpers/in-process-node.ts';

const SECRET = 'very-secret-register-path-123';
const lines: string[] = [];
let sy: InProcessNode;

before(async () => {
  const logger = createLogger('debug', {}, (line) => lines.push(line));
  sy = await startInProcessNode(logger, {}, { PROXY_REGISTER_SECRET: SECRET });
});
after(() => sy.node.shutdown());

it('logs neither the secret nor a stack when a registration body is aborted', async () => {
  await new Promise<void>((resolve) => {
    const socket = connect(sy.ports.system, '127.0.0.1', () => {
      socket.write(
        `POST /api/v1/srs/register/${SECRET} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"ip":`,
      );
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 200);
    });
  });
  const wrong = await fetch(`http://127.0.0.1:${sy.ports.system}/api/v1/srs/register/${SECRET}x`, {
    method: 'POST',
    body: '{}',
  });
  assert.equal(wrong.status, 404);
  await new Promise((r) => setTimeout(r, 300));
  const text = lines.join('\n');
  assert.ok(!text.includes(SECRET), text);
  assert.ok(!text.includes('"stack"'), text);
  assert.ok(
    lines.some((l) => l.includes('request body ended early')),
    text,
  );
});
