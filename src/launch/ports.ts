// Fresh free TCP ports on loopback: bind port 0, read what the kernel chose, close. A port
// is never handed out twice by one harness process, even if the kernel offers it again.
import net from 'node:net';
import { MODE_NAMES } from '../scenario/schema.ts';

const handedOut = new Set<number>();

function bindEphemeral(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One free port on `host` (default 127.0.0.1) that this process has not handed out before. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await bindEphemeral(host);
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no fresh port on ${host} after 100 tries`);
}

/**
 * A synchronous port source for `PlanContext.nextPort`, filled with `size` fresh ports up
 * front (planning is pure and synchronous; binding is not).
 */
export async function portPool(size = 32, host = '127.0.0.1'): Promise<() => number> {
  const ports: number[] = [];
  for (let i = 0; i < size; i++) ports.push(await freePort(host));
  return () => {
    const port = ports.shift();
    if (port === undefined) throw new Error(`the port pool of ${size} is used up; make it larger`);
    return port;
  };
}

/** Whether nothing listens on `port` right now (a planned port may have been taken since). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Ports a run of these points may take: up to 8 per unit (point × mode × repeat), for every mode a scenario can name. */
export function portsFor(points: readonly { scenario: { repeats: number } }[]): number {
  return 8 * MODE_NAMES.length * points.reduce((n, p) => n + p.scenario.repeats, 0);
}
