// Where the workloads' compile caches live and whether they are on: vLLM's (compiled graphs,
// under VLLM_CACHE_ROOT, else $XDG_CACHE_HOME/vllm or ~/.cache/vllm) and torch.compile's
// (Inductor's FX-graph and autograd caches under TORCHINDUCTOR_CACHE_DIR). A run that finds them
// warm starts minutes sooner than one that fills them, so the manifest records them and `compare`
// refuses two runs whose settings differ (docs/metrics.md "Regression gate").

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
