// What the installed TRL does, by version: how its vLLM server starts and answers, and which vLLM
// it accepts. Pure functions of version strings, so plans for any TRL are produced (and tested)
// by the same code.
import { z } from 'zod';

/** The oldest TRL with both vLLM modes (`vllm_mode`), which this workload needs. */
export const MIN_TRL = '0.18.0';
/** From this release `trl vllm-serve` hands over to vLLM's own `vllm serve` (TRL PR 6765). */
export const VLLM_SERVE_SINCE = '1.11.0';
/** The pip line for the TRL this project is tested with. */
export const TRL_PIP = 'pip install -r requirements-trl.txt   (trl==1.13.0 datasets==5.0.1)';

/**
 * `vllm-serve`: TRL ≥ 1.11, vLLM's `vllm serve` with a weight-transfer config, health at `/health`;
 * `trl-server`: TRL 0.18 – 1.10, TRL's own FastAPI server (`trl vllm-serve`), health at `/health/`.
 */
export const ServerStyle = z.enum(['vllm-serve', 'trl-server']);
export type ServerStyle = z.infer<typeof ServerStyle>;

export interface TrlStyle {
  version: string;
  server: ServerStyle;
  healthPath: '/health' | '/health/';
}

/** Major, minor, patch; pre-release and local parts (`.dev0`, `rc1`, `+cpu`) are ignored. */
export function parseVersion(v: string): [number, number, number] {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v.trim());
  if (!m) throw new Error(`not a version: '${v}'`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

export function compareVersions(a: string, b: string): number {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

export function trlStyle(version: string): TrlStyle {
  const vllmServe = compareVersions(version, VLLM_SERVE_SINCE) >= 0;
  return { version, server: vllmServe ? 'vllm-serve' : 'trl-server', healthPath: vllmServe ? '/health' : '/health/' };
}

/** Whether `version` satisfies a PEP 440-style list of simple clauses (`>=0.19.1,<=0.28.0`). */
export function satisfies(version: string, spec: string): boolean {
  return spec
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean)
    .every((clause) => {
      const m = /^(>=|<=|==|!=|>|<|~=)\s*(.+)$/.exec(clause);
      if (!m) return true; // a clause we do not understand is left to pip
      const c = compareVersions(version, m[2]!);
      switch (m[1]) {
        case '>=':
          return c >= 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        case '<':
          return c < 0;
        case '==':
          return c === 0;
        case '!=':
          return c !== 0;
        default:
          return c >= 0; // ~=: the lower bound is what matters here
      }
    });
}

/** The vLLM range the installed TRL declares (its `vllm` extra), as a pip requirement. */
export function vllmRequirement(libraries: Record<string, string | null>): string {
  const spec = libraries['trl[vllm]'];
  return spec ? `vllm${spec}` : 'vllm (the version your TRL release supports: see its `vllm` extra)';
}
