// The error taxonomy. A UserError is something the user can fix (bad input, missing tool,
// busy GPUs): the CLI prints its message and hint, no stack. Anything else is a bug in
// grpo-bench: the CLI prints the stack and asks for a report.

export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    /** How to fix it, printed on its own line. */
    readonly hint?: string,
    /** Process exit code; 2 is kept for "not comparable" in `compare`. */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A scenario that does not validate: names the file and every offending field. */
export class ScenarioError extends UserError {
  constructor(
    readonly file: string,
    readonly problems: readonly { path: string; message: string; line?: number }[],
  ) {
    super(
      `${file}: invalid scenario\n` +
        problems.map((p) => `  ${p.path || '(top level)'}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`).join('\n'),
    );
  }
}

/** A file the user pointed us at, as text; a missing or unreadable one is a UserError naming it. */
export async function readUserFile(file: string, what: string, hint: string, expected?: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code ?? String(err);
    throw new UserError(`${file}: cannot read ${what} (${why})${expected ? `; expected ${expected}` : ''}`, hint);
  }
}
