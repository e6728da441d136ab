// A scenario's variants as environments: where each one's Python is, what it holds (read by
// running that Python, with its own import path and variables), and whether that is what the
// scenario declares. Called once per run, before anything is planned or started.
import type { VariantRecord } from '../records/manifest.ts';
import path from 'node:path';
import { UserError } from '../errors.ts';
import type { Scenario, Variant } from '../scenario/schema.ts';
import { probePython, type PythonInfo } from './libraries.ts';

/** A variant with its paths resolved and what its Python was found to hold. */
export interface ResolvedVariant {
  name: string;
  /** The interpreter, as the units start it (absolute unless a bare command name found on PATH). */
  python: string;
  /** Import paths put first on PYTHONPATH, absolute. */
  pythonpath: string[];
  env: Record<string, string>;
  expect: Record<string, string>;
  info: PythonInfo;
}

/** What the manifest records of one variant. */
export type { VariantRecord };

/** `$VAR` and `${VAR}` from this process's environment; an unset variable is an error naming the field, or with `keepUnset` stays as written (a plan read elsewhere). */
export function expandVars(value: string, field: string, env: NodeJS.ProcessEnv = process.env, keepUnset = false): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole: string, braced: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare)!;
      const v = env[name];
      if (v !== undefined) return v;
      if (keepUnset) return whole;
      throw new UserError(`${field}: the environment variable ${name} is not set`, `Set ${name} or write the path out in the scenario.`);
    },
  );
}

/** A path as the units see it: variables expanded, a relative path made absolute from the working folder; a bare name (`python3`) left for PATH. */
function resolvePath(value: string, field: string, cwd: string, keepUnset = false): string {
  const expanded = expandVars(value, field, process.env, keepUnset);
  return expanded.includes('/') && !expanded.startsWith('$') ? path.resolve(cwd, expanded) : expanded;
}

/** The environment a variant's processes get on top of the harness's own: its variables, its import paths before any inherited ones. */
export function variantEnv(
  v: Pick<ResolvedVariant, 'pythonpath' | 'env'>,
  inherited: string | undefined = process.env.PYTHONPATH,
): Record<string, string> {
  const pythonpath = [...v.pythonpath, ...(v.env.PYTHONPATH ?? inherited ?? '').split(path.delimiter).filter(Boolean)];
  return { ...v.env, ...(pythonpath.length ? { PYTHONPATH: pythonpath.join(path.delimiter) } : {}) };
}

/** The scenario's variants in plan order, the baseline first; empty without variants. */
export function variantNames(scenario: Pick<Scenario, 'variants' | 'baseline'>): string[] {
  const names = Object.keys(scenario.variants ?? {});
  const base = scenario.baseline ?? names[0];
  return base === undefined ? [] : [base, ...names.filter((n) => n !== base)];
}

/**
 * Every variant resolved and probed (in parallel: each start imports torch). Refuses, naming the
 * variant, one whose Python does not start, and one that does not hold a version it declares
 * (naming the package, expected and found), so nothing is started with the wrong environment.
 */
export async function probeVariants(
  scenario: Pick<Scenario, 'variants' | 'baseline'>,
  root: string,
  cwd = process.cwd(),
): Promise<ResolvedVariant[]> {
  const resolved = variantNames(scenario).map((name) => resolveVariant(name, scenario.variants![name]!, cwd));
  const infos = await Promise.all(resolved.map((v) => probePython(v.python, root, variantEnv(v))));
  const variants = resolved.map((v, i) => ({ ...v, info: infos[i]! }));
  const problems = variants.flatMap(variantProblems);
  if (problems.length) {
    throw new UserError(
      `the scenario's variants do not hold what they declare:\n  ${problems.join('\n  ')}`,
      'Fix the variant (grpo-bench variants setup) or its `expect:` in the scenario.',
    );
  }
  return variants;
}

/**
 * The variants for a plan read anywhere (`grpo-bench plan`): probed where their Python starts,
 * else planned with what they declare (`expect`) over `fallback`; what stops a run is returned as
 * warnings, not thrown.
 */
export async function planningVariants(
  scenario: Pick<Scenario, 'variants' | 'baseline'>,
  root: string,
  fallback: Record<string, string | null> | undefined,
): Promise<{ variants: ResolvedVariant[]; warnings: string[] }> {
  const resolved = variantNames(scenario).map((name) => resolveVariant(name, scenario.variants![name]!, process.cwd(), true));
  const infos = await Promise.all(resolved.map((v) => probePython(v.python, root, variantEnv(v))));
  const variants = resolved.map((v, i): ResolvedVariant => {
    const info = infos[i]!;
    return { ...v, info: info.error ? { ...info, libraries: { ...(fallback ?? {}), ...v.expect } } : info };
  });
  return { variants, warnings: variants.flatMap(variantProblems) };
}

function resolveVariant(name: string, v: Variant, cwd: string, keepUnset = false): Omit<ResolvedVariant, 'info'> {
  const field = `variants.${name}`;
  const paths = v.pythonpath === undefined ? [] : Array.isArray(v.pythonpath) ? v.pythonpath : [v.pythonpath];
  return {
    name,
    python: resolvePath(v.python, `${field}.python`, cwd, keepUnset),
    pythonpath: paths.map((p, i) => resolvePath(p, `${field}.pythonpath${paths.length > 1 ? `[${i}]` : ''}`, cwd, keepUnset)),
    env: v.env,
    expect: v.expect,
  };
}

/** What is wrong with one probed variant, one line each, naming the variant and the package. */
export function variantProblems(v: ResolvedVariant): string[] {
  if (v.info.error) return [`variant '${v.name}': its Python (${v.python}) does not start: ${v.info.error}`];
  return Object.entries(v.expect).flatMap(([pkg, expected]) => {
    if (!(pkg in v.info.libraries)) {
      const known = Object.keys(v.info.libraries).filter((k) => !k.includes('['));
      return [`variant '${v.name}': expect.${pkg}: not a library the probe reads (it reads ${known.join(', ')})`];
    }
    const found = v.info.libraries[pkg] ?? null;
    return versionMatches(found, expected)
      ? []
      : [`variant '${v.name}': ${pkg} expected ${expected}, found ${found ?? 'not installed'} (${v.python})`];
  });
}

/** `1.16.0` matches 1.16.0 and 1.16.0+cu128 (a local build tag); `1.16` matches any 1.16.x. */
export function versionMatches(found: string | null, expected: string): boolean {
  if (found === null) return false;
  const release = found.split('+')[0]!;
  return found === expected || release === expected || release.startsWith(`${expected}.`);
}

export function variantRecord(v: ResolvedVariant, driver: string | null): VariantRecord {
  return {
    python: v.python,
    executable: v.info.executable,
    pythonpath: v.pythonpath,
    env: v.env,
    expect: v.expect,
    libraries: { ...v.info.libraries, driver },
    cuda_available: v.info.cuda_available,
  };
}
