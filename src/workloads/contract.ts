// The contract between the harness and the Python workloads, as JSON Schema files in schemas/.
// Each file is generated from the zod schema the TypeScript side uses (zod is the one
// definition); `npm run schemas` rewrites them and a test fails when a committed file has
// drifted. The Python side validates against these files (src/workloads/common/contract.py).
import path from 'node:path';
import { z } from 'zod';
import { EventLine } from '../records/events.ts';
import type { ContractSchema } from './types.ts';
import { workloadAdapters } from './adapters.ts';
import { ProbeDriverConfig } from './probe.ts';

export const CONTRACT: Record<string, ContractSchema> = {
  events: {
    schema: EventLine,
    source: 'src/records/events.ts',
    title: 'One line of a grpo-bench event file (docs/events.md)',
  },
  // Each registered workload's --config, as <name>-config.
  ...Object.fromEntries(workloadAdapters().map((a) => [`${a.name}-config`, a.config])),
  'probe-config': {
    schema: ProbeDriverConfig,
    source: 'src/workloads/probe.ts',
    title: "A profile driver's --config (docs/whatif.md)",
  },
};

export function schemaFile(root: string, name: string): string {
  return path.join(root, 'schemas', `${name}.schema.json`);
}

/** The text of schemas/<name>.schema.json: what a writer may send (zod's input side, defaults included). */
export function renderSchema(name: string): string {
  const entry = CONTRACT[name];
  if (!entry) throw new Error(`no contract schema named '${name}'`);
  const generated = z.toJSONSchema(entry.schema, { io: 'input', target: 'draft-2020-12' });
  const { $schema, ...body } = generated;
  const document = {
    $schema,
    $comment: `Generated from ${entry.source} by scripts/schemas.ts (npm run schemas); do not edit.`,
    title: entry.title,
    ...body,
  };
  return JSON.stringify(document, null, 2) + '\n';
}
