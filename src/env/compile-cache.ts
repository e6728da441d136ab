// Where the workloads' compile caches live and whether they are on: vLLM's (compiled graphs,
// under VLLM_CACHE_ROOT, else $XDG_CACHE_HOME/vllm or ~/.cache/vllm) and torch.compile's
// (Inductor's FX-graph and autograd caches under TORCHINDUCTOR_CACHE_DIR). A run that finds them
// warm starts minutes sooner than one that fills them, so the manifest records them and `compare`
// refuses two runs whose settings differ (docs/metrics.md "Regression gate").
import { readdir } from 'node:fs/promises';

/** The environment variables that say where the compile caches are and whether they are used. */
export const COMPILE_CACHE_VARS = [
  'VLLM_CACHE_ROOT',
  'VLLM_DISABLE_COMPILE_CACHE',
  'XDG_CACHE_HOME',
  'TORCHINDUCTOR_CACHE_DIR',
  'TORCHINDUCTOR_FX_GRAPH_CACHE',
  'TORCHINDUCTOR_AUTOGRAD_CACHE',
  'TORCH_COMPILE_DISABLE',
] as const;

/**
 * Each variable as the workload processes see it: the harness's environment with what the plan's
 * processes add over it; null where unset (the library's default). A variable the processes set
 * differently from one another is recorded as their values joined by " | ".
 */
export function compileCacheSettings(
  harnessEnv: NodeJS.ProcessEnv,
  processEnvs: readonly Record<string, string>[],
): Record<string, string | null> {
  return Object.fromEntries(
    COMPILE_CACHE_VARS.map((name) => {
      const seen = [...new Set((processEnvs.length > 0 ? processEnvs : [{}]).map((env) => env[name] ?? harnessEnv[name] ?? null))];
      return [name, seen.length === 1 ? seen[0]! : seen.map((v) => v ?? '(unset)').join(' | ')];
    }),
  );
}

/** The variables that name a compile cache folder (docs/metrics.md "Where start-up goes"). */
const CACHE_FOLDER_VARS = ['VLLM_CACHE_ROOT', 'TORCHINDUCTOR_CACHE_DIR'] as const;

/**
 * Whether a unit's compile caches were warm as it started: false when a folder its processes name
 * is absent or empty (the unit fills it: a cold start-up), true when every such folder holds
 * something, null when no process names one (the libraries' defaults are not looked at).
 */
export async function compileCacheWarm(
  harnessEnv: NodeJS.ProcessEnv,
  processEnvs: readonly Record<string, string>[],
): Promise<boolean | null> {
  const folders = new Set<string>();
  for (const env of processEnvs) {
    for (const name of CACHE_FOLDER_VARS) {
      const value = env[name] ?? harnessEnv[name];
      if (value) folders.add(value);
    }
  }
  if (folders.size === 0) return null;
  for (const folder of folders) {
    const entries = await readdir(folder).catch(() => []);
    if (entries.length === 0) return false;
  }
  return true;
}
