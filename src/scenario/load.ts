// Reading a scenario file into a typed, validated Scenario: the only place raw YAML is seen.
import { LineCounter, isMap, isSeq, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';
import { ScenarioError, readUserFile } from '../errors.ts';
import { closest } from '../suggest.ts';
import { Scenario } from './schema.ts';
import { SweepSpec } from './sweep.ts';

export interface LoadedScenario {
  file: string;
  scenario: Scenario;
  sweep: SweepSpec | undefined;
}

/**
 * Bounds on a scenario file. A real one is a few kB, a handful of levels deep, with few or no
 * aliases; hostile YAML (a huge file, deep nesting, an alias bomb) is refused before it costs
 * memory or overflows the stack.
 */
export const SCENARIO_LIMITS = {
  /** Bytes of the file, checked before reading it. */
  maxBytes: 1024 * 1024,
  /** Nested mappings and lists, the top-level mapping counting as one. */
  maxDepth: 32,
  /** Alias nodes resolved while converting the document (the yaml package's maxAliasCount). */
  maxAliasCount: 100,
} as const;

export async function loadScenarioFile(file: string): Promise<LoadedScenario> {
  const text = await readUserFile(file, 'scenario file', 'Pass the path of a YAML scenario, e.g. scenarios/demo.yaml.', undefined, {
    maxBytes: SCENARIO_LIMITS.maxBytes,
  });
  return parseScenario(text, file);
}

export function parseScenario(text: string, file: string): LoadedScenario {
  const fail = (message: string, line?: number) => new ScenarioError(file, [{ path: '', message, line }]);
  if (Buffer.byteLength(text) > SCENARIO_LIMITS.maxBytes)
    throw fail(`more than ${SCENARIO_LIMITS.maxBytes} bytes; a scenario file is a few kB`);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // The parser reports a stack overflow (nesting thousands deep) as RESOURCE_EXHAUSTION.
    const deep = doc.errors.find((e) => e.code === 'RESOURCE_EXHAUSTION');
    if (deep)
      throw fail(`nested too deeply to parse (a scenario nests at most ${SCENARIO_LIMITS.maxDepth} levels)`, deep.linePos?.[0]?.line);
    throw new ScenarioError(
      file,
      doc.errors.map((e) => ({ path: '', message: `YAML syntax: ${e.message.split('\n')[0]}`, line: e.linePos?.[0]?.line })),
    );
  }
  if (doc.contents === null) throw fail('the file is empty (or only comments); expected a mapping of scenario fields');
  const tooDeep = deeperThan(doc.contents, SCENARIO_LIMITS.maxDepth);
  if (tooDeep)
    throw fail(
      `nested more than ${SCENARIO_LIMITS.maxDepth} levels deep`,
      tooDeep.range ? lineCounter.linePos(tooDeep.range[0]).line : undefined,
    );
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: SCENARIO_LIMITS.maxAliasCount });
  } catch (err) {
    // The yaml package throws a ReferenceError for an alias bomb and for an alias to nothing.
    if (!(err instanceof ReferenceError)) throw err;
    const bomb = /resource exhaustion/.test(err.message);
    throw fail(
      bomb
        ? `aliases expand too far (more than ${SCENARIO_LIMITS.maxAliasCount} resolved); a scenario needs few or none`
        : `YAML alias: ${err.message}`,
    );
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw fail('expected a mapping of scenario fields');
  }
  const { sweep: rawSweep, ...rest } = raw as Record<string, unknown>;
  const lineOf = (path: PropertyKey[]) => {
    const node = nodeAt(doc.contents, path);
    return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  };
  const scenario = validate(Scenario, rest, file, lineOf, []);
  const sweep = rawSweep === undefined ? undefined : validate(SweepSpec, rawSweep, file, lineOf, ['sweep']);
  return { file, scenario, sweep };
}

function validate<T extends z.ZodType>(
  schema: T,
  value: unknown,
  file: string,
  lineOf: (path: PropertyKey[]) => number | undefined,
  prefix: PropertyKey[],
): z.output<T> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw new ScenarioError(
    file,
    result.error.issues.map((issue) => {
      const path = [...prefix, ...issue.path];
      // An unknown key's issue points at its parent; name the key itself.
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const fieldPath = keys.length === 1 ? [...path, keys[0]!] : path;
      const known = keys.length > 0 ? knownKeys(schema, issue.path) : [];
      return { path: formatPath(fieldPath), message: describeIssue(issue, known), line: lineOf(fieldPath) ?? lineOf(path) };
    }),
  );
}

function describeIssue(issue: z.core.$ZodIssue, known: readonly string[]): string {
  switch (issue.code) {
    case 'unrecognized_keys': {
      const guesses = issue.keys.map((k) => [k, closest(k, known)] as const).filter(([, g]) => g !== undefined);
      const guess = guesses.map(([k, g]) => (issue.keys.length > 1 ? `'${k}': did you mean '${g}'?` : `did you mean '${g}'?`)).join('; ');
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}${guess ? ` (${guess})` : ''}`;
    }
    case 'invalid_type':
      return `expected ${issue.expected}, got ${describeValue(issue.input)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(issue.input)}`;
    default:
      return issue.message;
  }
}

/** The fields the schema knows in the mapping at `path` (every option's, under a union). */
function knownKeys(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let at = variants(schema);
  for (const key of path) at = at.flatMap((s) => variants(childAt(s, key)));
  return [...new Set(at.flatMap((s) => (s._zod.def.type === 'object' ? Object.keys((s._zod.def as z.core.$ZodObjectDef).shape) : [])))];
}

/** A schema with its wrappers (optional, default, pipe, union, lazy) taken off: the shapes a value may have. */
function variants(schema: z.core.$ZodType | undefined, depth = 0): z.core.$ZodType[] {
  if (!schema || depth > 16) return [];
  const def = schema._zod.def as {
    type: string;
    innerType?: z.core.$ZodType;
    in?: z.core.$ZodType;
    options?: z.core.$ZodType[];
    getter?: () => z.core.$ZodType;
  };
  if (def.innerType) return variants(def.innerType, depth + 1);
  if (def.type === 'pipe') return variants(def.in, depth + 1);
  if (def.type === 'union') return (def.options ?? []).flatMap((o) => variants(o, depth + 1));
  if (def.type === 'lazy' && def.getter) return variants(def.getter(), depth + 1);
  return [schema];
}

function childAt(schema: z.core.$ZodType, key: PropertyKey): z.core.$ZodType | undefined {
  const def = schema._zod.def as {
    type: string;
    shape?: Record<string, z.core.$ZodType>;
    valueType?: z.core.$ZodType;
    element?: z.core.$ZodType;
  };
  if (def.type === 'object') return def.shape?.[String(key)];
  if (def.type === 'record') return def.valueType;
  if (def.type === 'array') return def.element;
  return undefined;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing (the field is required)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/** The first collection nested deeper than `limit` levels, or undefined. Walks at most `limit` levels, so it cannot overflow. */
function deeperThan(node: unknown, limit: number): Node | undefined {
  if (!isMap(node) && !isSeq(node)) return undefined;
  if (limit === 0) return node;
  for (const item of node.items) {
    const child = isMap(node) ? (item as { value?: unknown }).value : item;
    const found = deeperThan(child, limit - 1) ?? (isMap(node) ? deeperThan((item as { key?: unknown }).key, limit - 1) : undefined);
    if (found) return found;
  }
  return undefined;
}

function nodeAt(node: unknown, path: readonly PropertyKey[]): Node | undefined {
  let cur = node as Node | undefined;
  for (const key of path) {
    if (isMap(cur)) {
      const pair = cur.items.find((p) => (p.key as { value?: unknown })?.value === key);
      cur = pair?.value as Node | undefined;
      if (!cur && pair) return pair.key as Node;
    } else if (isSeq(cur) && typeof key === 'number') {
      cur = cur.items[key] as Node | undefined;
    } else {
      return undefined;
    }
  }
  return cur;
}
