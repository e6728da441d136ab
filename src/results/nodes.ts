// A unit that ran on several nodes keeps each node's record under `<unit>/nodes/<node>/`:
// node.json (role, address, device slots, clock offset, outcome), and the node's events, logs
// and samples as a one-machine unit keeps them. Timestamps in those files are the node's own
// clock; each is put on the submitting host's clock by adding the node's measured offset, so
// phases and samples of different nodes line up.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Event, ParsedEvents } from '../records/events.ts';
import { NODE_RECORD, NODES_DIR } from './layout.ts';
import { NodeRecord } from '../records/nodes.ts';

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
      out.push({ dir, record: NodeRecord.parse(JSON.parse(text)) });
    } catch {
      // Written atomically, so a bad or malformed one was not written by grpo-bench; the node's files are skipped with it.
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
