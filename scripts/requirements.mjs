// Pins from the project's requirement files by package name, for scripts that install or ship
// a few of them on a Python that brings its own torch (a GPU host's, an offline host's).
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The lines of `file` (relative to `root`) that pin one of `names`, e.g. `jsonschema==4.26.0`. */
export function pinsOf(root, file, names) {
  const lines = readFileSync(path.join(root, file), 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim());
  return names.map((name) => {
    const pin = lines.find((l) => l.split(/[=<>~!; []/)[0]?.toLowerCase() === name.toLowerCase());
    if (!pin) throw new Error(`${file} has no line for ${name}`);
    return pin;
  });
}
