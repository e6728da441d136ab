// Free TCP ports on loopback. The plan is a pure function with a synchronous `nextPort`, so
// ports are reserved up front: ask the OS for a batch, then hand them out one by one.
import { createServer } from 'node:net';

const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** `count` distinct free ports, returned one per call; running out is a bug in the caller. */
export async function portSequence(count = 64): Promise<() => number> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  return () => {
    const p = ports.shift();
    if (p === undefined) throw new Error(`portSequence: more than ${count} ports asked for`);
    return p;
  };
}
