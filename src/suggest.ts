// "Did you mean": the known name closest to a misspelt one, for flags, commands and scenario keys.

/** Edit distance (insertions, deletions, substitutions; a swap of two neighbours counts one). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known name nearest to `name`, or undefined when none is near enough to be a slip: at most a
 * third of the name's letters wrong (at least one), compared without case, `-` and `_`.
 */
export function closest(name: string, known: Iterable<string>): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const target = norm(name);
  let best: { name: string; distance: number } | undefined;
  for (const k of known) {
    const distance = editDistance(target, norm(k));
    if (!best || distance < best.distance) best = { name: k, distance };
  }
  return best && best.distance <= Math.max(1, Math.ceil(target.length / 3)) ? best.name : undefined;
}
