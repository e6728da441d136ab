/** The lines of `file` (relative to `root`) that pin one of `names`, e.g. `jsonschema==4.26.0`. */
export function pinsOf(root: string, file: string, names: readonly string[]): string[];
