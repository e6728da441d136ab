// Request latency in server mode: every HTTP request's round trip as the client (trainer) saw
// it, and the server's own time for the same request, paired by `id` (X-Request-Id), else by
// endpoint and step where each side has exactly one. Round trip − server time is what HTTP,
// serialisation and queueing in front of the handler cost. Over the measured windows.
import type { RequestEvent } from '../../records/events.ts';
import type { UnitData } from '../../results/read.ts';
import { measuredWindow, type Window } from './activity.ts';
import { note } from './notes.ts';
import { type Note } from '../../records/notes.ts';
import { eventsOf, type UnitSteps } from './steps.ts';
import { quantile, sortSamples } from '../inference/stats.ts';
import type { Quantiles, RequestLatency } from '../../records/summary.ts';

export function quantiles(xs: readonly number[]): Quantiles {
  const s = sortSamples(xs);
  return { p50: quantile(s, 0.5), p90: quantile(s, 0.9), p99: quantile(s, 0.99) };
}

interface Pair {
  endpoint: string;
  roundTrip: number;
  server?: number;
}

/** One unit's client requests inside the window, each with its server-side time where one was recorded. */
export function pairRequests(unit: UnitData, w: Window): Pair[] {
  const client = unit.events.filter((f) => f.role === 'trainer').flatMap((f) => eventsOf(f, 'request'));
  const server = unit.events.filter((f) => f.role === 'server').flatMap((f) => eventsOf(f, 'request'));
  const byId = new Map<string, RequestEvent>();
  const byStep = new Map<string, RequestEvent[]>();
  const stepKey = (e: RequestEvent) => `${e.endpoint}\u0000${e.step ?? ''}`;
  for (const e of server) {
    if (e.id !== undefined) byId.set(e.id, e);
    byStep.set(stepKey(e), [...(byStep.get(stepKey(e)) ?? []), e]);
  }
  const clientsPerStep = new Map<string, number>();
  for (const e of client) clientsPerStep.set(stepKey(e), (clientsPerStep.get(stepKey(e)) ?? 0) + 1);
  const out: Pair[] = [];
  for (const e of client) {
    if (e.t0 < w.t0 || e.t0 >= w.t1) continue;
    let s = e.id !== undefined ? byId.get(e.id) : undefined;
    if (!s && e.step !== undefined && clientsPerStep.get(stepKey(e)) === 1) {
      const candidates = byStep.get(stepKey(e)) ?? [];
      if (candidates.length === 1 && candidates[0]!.id === undefined) s = candidates[0];
    }
    out.push({ endpoint: e.endpoint, roundTrip: e.t1 - e.t0, ...(s ? { server: s.t1 - s.t0 } : {}) });
  }
  return out;
}

/** Per endpoint, p50/p90/p99 of the round trip, of the server's time and of their difference, over the measured windows of `units`. */
export function requestLatency(units: readonly UnitSteps[], label: string, notes: Note[]): RequestLatency[] {
  const pairs: Pair[] = [];
  for (const u of units) {
    const w = measuredWindow(u);
    if (w) pairs.push(...pairRequests(u.unit, w));
  }
  const endpoints = [...new Set(pairs.map((p) => p.endpoint))].sort();
  return endpoints.map((endpoint) => {
    const mine = pairs.filter((p) => p.endpoint === endpoint);
    const paired = mine.filter((p) => p.server !== undefined);
    if (paired.length < mine.length) {
      notes.push(
        note(
          'requests_unpaired',
          label,
          `${mine.length - paired.length} of ${mine.length} ${endpoint} requests have no server-side record; server time and overhead rest on the ${paired.length} that do`,
        ),
      );
    }
    return {
      endpoint,
      n: mine.length,
      paired: paired.length,
      round_trip_s: quantiles(mine.map((p) => p.roundTrip)),
      ...(paired.length > 0
        ? { server_s: quantiles(paired.map((p) => p.server!)), overhead_s: quantiles(paired.map((p) => p.roundTrip - p.server!)) }
        : {}),
    };
  });
}
