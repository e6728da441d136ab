// Each node's clock against the submitting host's, so that phases and samples of different
// nodes line up. The harness answers GET /clock with its wall clock; a node agent asks several
// times and keeps the exchange with the smallest round trip (Cristian's method): the host's
// reading lies within that round trip, so offset = host − midpoint, uncertain by ± rtt / 2.
import http from 'node:http';
import os from 'node:os';
import type { ClockRecord } from '../../records/nodes.ts';
import { wallSeconds } from '../../telemetry/csv.ts';

/** One exchange: the node's clock before and after, the host's clock in between (seconds). */
export interface ClockSample {
  sent: number;
  host: number;
  received: number;
}

/** The offset of the exchange with the smallest round trip; null when there is none. */
export function bestOffset(samples: readonly ClockSample[]): { offset_s: number; rtt_s: number } | null {
  let best: ClockSample | undefined;
  for (const s of samples) if (!best || s.received - s.sent < best.received - best.sent) best = s;
  return best ? { offset_s: best.host - (best.sent + best.received) / 2, rtt_s: best.received - best.sent } : null;
}

export interface ClockServer {
  /** What a node agent asks, e.g. http://login1:40123/clock. */
  url: string;
  close(): Promise<void>;
}

/**
 * The submitting host's clock, for the job's nodes. It listens on every interface because the
 * compute nodes reach the submitting host by its name on whichever network they share with it;
 * it answers nothing but the time.
 */
export async function startClockServer(host = os.hostname()): Promise<ClockServer> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/clock') {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.stringify({ t: wallSeconds() });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, () => resolve());
  });
  server.unref();
  const { port } = server.address() as { port: number };
  return {
    url: `http://${host}:${port}/clock`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Asks the host's clock `count` times; a record of the best exchange, or of why there was none. */
export async function measureClock(url: string, count = 8, timeoutMs = 2000): Promise<ClockRecord> {
  const samples: ClockSample[] = [];
  let lastError = '';
  for (let i = 0; i < count; i++) {
    const sent = wallSeconds();
    try {
      const host = await getTime(url, timeoutMs);
      samples.push({ sent, host, received: wallSeconds() });
    } catch (e) {
      lastError = (e as Error).message;
      // An unreachable host answers no better the next time.
      if (samples.length === 0 && i >= 1) break;
    }
  }
  const best = bestOffset(samples);
  if (!best) return { offset_s: null, error: `the submitting host's clock (${url}) did not answer: ${lastError}` };
  return { ...best, samples: samples.length, against: url };
}

function getTime(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        let t: unknown;
        try {
          t = (JSON.parse(body) as { t?: unknown }).t;
        } catch {
          t = undefined;
        }
        if (res.statusCode === 200 && typeof t === 'number') resolve(t);
        else reject(new Error(`HTTP ${res.statusCode}: ${body.slice(0, 80)}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}
