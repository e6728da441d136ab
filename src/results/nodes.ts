// A unit that ran on several nodes keeps each node's record under `<unit>/nodes/<node>/`:
// node.json (role, address, device slots, clock offset, outcome), and the node's events, logs
// and samples as a one-machine unit keeps them. Timestamps in those files are the node's own
// clock; each is put on the submitting host's clock by adding the node's measured offset, so
// phases and samples of different nodes line up.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Role } from '../launch/types.ts';
import type { Event, ParsedEvents } from './events.ts';
import { NODE_RECORD, NODES_DIR } from './layout.ts';
import type { Fingerprint, UnitRecord } from './manifest.ts';

/**
 * The node's clock against the submitting host's, measured when its share of the unit began
 * (the exchange with the smallest round trip of several). `offset_s` is added to the node's
 * timestamps: host time ≈ node time + offset_s, within ± rtt_s / 2.
 */
export type ClockRecord = { offset_s: number; rtt_s: number; samples: number; against: string } | { offset_s: null; error: string };

export type NodeStatus = 'running' | 'ok' | 'failed' | 'timeout' | 'interrupted';

/** node.json: written when the node's share starts, completed when it ends. */
export interface NodeRecord {
  node: string;
  role: Role;
  /** Index among the nodes of its role in this unit (trainers: the launcher's node rank). */
  node_rank: number;
  /** The node's address on the cluster network, as its peers reached it. */
  address: string;
  /** The node agent's pid on the node. */
  pid: number;
  /** The unit's device slots (the plan's device numbers) this node held … */
  slots: number[];
  /** … and the node's own GPU index for each (empty on CPU). */
  gpus: number[];
  clock: ClockRecord;
  /** What the node is: GPU model, driver, CPU, as in a manifest's fingerprint. */
  environment?: Fingerprint['environment'];
  started: string;
  status: NodeStatus;
  ended?: string;
  error?: UnitRecord['error'];
  sampler_cost?: UnitRecord['sampler_cost'];
  /** Which GPU sampler ran on this node and whether GPM was available. */
  telemetry?: UnitRecord['telemetry'];
}

export interface NodeFolder {
  /** Relative to the unit folder: `nodes/<node>`. */
  dir: string;
  record: NodeRecord;
}

/** The node folders of a unit with a readable node.json, by node name; none for a one-machine unit. */
export async function readNodeFolders(unitDir: string): Promise<NodeFolder[]> {
  let names: string[];
  try {
    names = (await readdir(path.join(unitDir, NODES_DIR))).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: NodeFolder[] = [];
  for (const name of names) {
    const dir = path.join(NODES_DIR, name);
    let text: string;
    try {
      text = await readFile(path.join(unitDir, dir, NODE_RECORD), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    try {
      out.push({ dir, record: JSON.parse(text) as NodeRecord });
    } catch {
      // Written atomically, so a bad one was not written by grpo-bench; the node's files are skipped with it.
    }
  }
  return out;
}

/** Seconds to add to the node's timestamps; 0 when the offset could not be measured. */
export function clockOffset(record: NodeRecord): number {
  return record.clock.offset_s ?? 0;
}

/** The events with every wall-clock time moved by `offset` seconds (durations are unchanged). */
export function shiftEvents(parsed: ParsedEvents, offset: number): ParsedEvents {
  if (offset === 0) return parsed;
  const events = parsed.events.map((e): Event => {
    const out = { ...e } as Event & { t?: number; t0?: number; t1?: number };
    if (typeof out.t === 'number') out.t += offset;
    if (typeof out.t0 === 'number') out.t0 += offset;
    if (typeof out.t1 === 'number') out.t1 += offset;
    return out;
  });
  return { ...parsed, events };
}
