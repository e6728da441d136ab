// Pins from the project's requirement files by package name, for scripts that install a few of
// them on a Python that brings its own torch (a GPU host's, GRPO_BENCH_PYTHON).
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The lines of `file` (relative to `root`) that name a package: no comments, no pip options (`-r …`). */
function packageLines(root, file) {
  return readFileSync(path.join(root, file), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l && !l.startsWith('-'));
}

const nameOf = (line) => line.split(/[=<>~!; []/)[0];

/** The package names `file` lists, e.g. `jsonschema`. */
export function requirementNames(root, file) {
  return packageLines(root, file).map(nameOf);
}

/** The lines of `file` (relative to `root`) that pin one of `names`, e.g. `jsonschema==4.26.0`. */
export function pinsOf(root, file, names) {
  const lines = packageLines(root, file);
  return names.map((name) => {
    const pin = lines.find((l) => nameOf(l)?.toLowerCase() === name.toLowerCase());
    if (!pin) throw new Error(`${file} has no line for ${name}`);
    return pin;
  });
}
