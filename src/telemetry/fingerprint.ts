// The run's fingerprint, split as the comparability gate needs it (docs/design.md):
// the environment must match between compared runs; the subject under test may differ.
import { environmentFingerprint, type Inventory } from './inventory.ts';
import type { PythonInfo } from '../env/libraries.ts';
import type { Fingerprint } from '../records/manifest.ts';

export function fingerprint(inv: Inventory, py: PythonInfo, gitSha: string | null): Fingerprint {
  return {
    environment: environmentFingerprint(inv),
    subject: {
      ...Object.fromEntries(Object.entries(py.libraries).map(([k, v]) => [k, v ?? null])),
      harness_commit: gitSha,
    },
  };
}
