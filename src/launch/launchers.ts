// The launchers by name: the scenario's `launcher` values (scenario/schema.ts names them) and the
// CLI's `--launcher` choices. Each is loaded when a command asks for it.
import type { LauncherName } from '../scenario/schema.ts';
import type { Launcher } from './launcher.ts';

const LAUNCHERS: Record<LauncherName, () => Promise<Launcher>> = {
  local: async () => (await import('./local/index.ts')).localLauncher,
  slurm: async () => (await import('./slurm/index.ts')).slurmLauncher,
};

export type { LauncherName };
export const LAUNCHER_NAMES = Object.keys(LAUNCHERS) as LauncherName[];

export function launcherFor(name: LauncherName): Promise<Launcher> {
  return LAUNCHERS[name]();
}
