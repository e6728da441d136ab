// A unit spread over nodes ends as one record in the manifest: built from its nodes' records.
// A failure on one node is the unit's failure (the earliest, when several nodes failed); a
// group stopped because the other group ended is only its consequence.
import type { UnitStatus } from '../../records/manifest.ts';
import type { UnitRecord } from '../../records/manifest.ts';
import type { NodeRecord } from '../../records/nodes.ts';

export type UnitVerdict = Pick<UnitRecord, 'started' | 'ended' | 'error' | 'sampler_cost'> & { status: UnitStatus };

/**
 * The unit's record from the node records it has so far; null while any expected node has not
 * ended. Once the job is over (`jobEnd` given), nodes that never recorded an end count as
 * stopped by it, and an interruption is told in the job's words (the time limit …).
 */
export function combineNodes(records: readonly NodeRecord[], expected: number, jobEnd?: { why: string | null }): UnitVerdict | null {
  const ended = records.filter((r) => r.status !== 'running');
  if (!jobEnd && ended.length < expected) return null;
  const times = (pick: (r: NodeRecord) => string | undefined) =>
    records
      .map(pick)
      .filter((t): t is string => t !== undefined)
      .sort();
  const costs = records.map((r) => r.sampler_cost).filter((c) => c !== undefined);
  const base = {
    started: times((r) => r.started)[0],
    ended: times((r) => r.ended).at(-1),
    // The busiest node's sampling cost: what sampling took from the unit where it took most.
    ...(costs.length
      ? {
          sampler_cost: {
            harness_cpu_s_per_s: Math.max(...costs.map((c) => c.harness_cpu_s_per_s)),
            sampler_cpu_s_per_s: Math.max(...costs.map((c) => c.sampler_cpu_s_per_s)),
          },
        }
      : {}),
  };
  const failed = ended
    .filter((r) => r.status === 'failed' || r.status === 'timeout')
    .sort((a, b) => (a.ended ?? '').localeCompare(b.ended ?? ''))[0];
  if (failed)
    return {
      ...base,
      status: failed.status as UnitStatus,
      error: { ...failed.error, message: `${failed.node}: ${failed.error?.message ?? failed.status}` },
    };
  const unfinished = expected - ended.length;
  const stopped = ended.find((r) => r.status === 'interrupted');
  if (!stopped && unfinished === 0) return { ...base, status: 'ok' };
  const nodeWords = stopped
    ? `${stopped.node}: ${stopped.error?.message ?? 'interrupted'}`
    : `${unfinished} of ${expected} node(s) recorded no end`;
  return { ...base, status: 'interrupted', error: { message: jobEnd?.why ?? nodeWords } };
}
