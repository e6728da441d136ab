import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { freePort, isPortFree, portPool } from '../../src/launch/ports.ts';

test('free ports are bindable and never handed out twice', async () => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  assert.equal(new Set(ports).size, 20);
  const next = await portPool(3);
  const pooled = [next(), next(), next()];
  assert.ok(pooled.every((p) => !ports.includes(p)));
  assert.throws(next, /port pool of 3 is used up/);
  assert.equal(await isPortFree(pooled[0]!), true);
});

test('a port someone listens on is not free', async () => {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as net.AddressInfo;
  assert.equal(await isPortFree(port), false);
  server.close();
});
