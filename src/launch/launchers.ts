// Where a run's units execute. The names are the scenario's `launcher` values.
import { LAUNCHERS, type LauncherName } from '../scenario/schema.ts';

export type { LauncherName };
export const LAUNCHER_NAMES: readonly LauncherName[] = LAUNCHERS;
