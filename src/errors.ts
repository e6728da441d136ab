// The error taxonomy. A UserError is something the user can fix: the CLI prints its message and
// hint, no stack, and exits with its code. Anything else is a bug in grpo-bench: the CLI prints
// the stack and asks for a report (exit 70). The codes follow sysexits.h so that none of them is
// a verdict: `compare` answers 0, 1, 2 and 3, `run` 0 and 1 (README, "Exit codes").

export const EXIT = {
  /** A bad command line: an unknown flag or command, a value of the wrong kind. */
  usage: 64,
  /** A bad file or folder: a scenario, results folder, manifest or profile that is missing or malformed. */
  data: 65,
  /** Something this machine lacks: a tool, a GPU, a Python that starts. */
  unavailable: 69,
  /** A bug in grpo-bench. */
  bug: 70,
  /** Ended by Ctrl-C or a termination signal. */
  interrupted: 130,
} as const;

export class UserError extends Error {
  override readonly name: string = 'UserError';
  constructor(
    message: string,
    /** How to fix it, printed on its own line. */
    readonly hint?: string,
    /** Process exit code; a bad input unless said otherwise (the gate's "not comparable" passes 2). */
    readonly exitCode: number = EXIT.data,
  ) {
    super(message);
  }
}

/** A bad command line: names the flag, what it got and what it expects. */
export class UsageError extends UserError {
  override readonly name = 'UsageError';
  constructor(message: string, hint?: string) {
    super(message, hint, EXIT.usage);
  }
}

/** A bad file or folder the user pointed at: names the file and what was expected. */
export class InputError extends UserError {
  override readonly name = 'InputError';
  constructor(message: string, hint?: string) {
    super(message, hint, EXIT.data);
  }
}

/** Something the machine lacks (a tool, GPUs, a working Python): not the input's fault. */
export class UnavailableError extends UserError {
  override readonly name = 'UnavailableError';
  constructor(message: string, hint?: string) {
    super(message, hint, EXIT.unavailable);
  }
}

/** A scenario that does not validate: names the file and every offending field. */
export class ScenarioError extends InputError {
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

/** Limits on a file read with readUserFile. */
export interface ReadLimits {
  /** Refuse a file larger than this many bytes, before reading it. */
  maxBytes?: number;
}

/**
 * A file the user pointed us at, as UTF-8 text. A missing or unreadable file, a directory, a
 * file over `limits.maxBytes` and bytes that are not UTF-8 are each a UserError naming the file.
 */
export async function readUserFile(file: string, what: string, hint: string, expected?: string, limits: ReadLimits = {}): Promise<string> {
  const { readFile, stat } = await import('node:fs/promises');
  const refuse = (why: string) => new InputError(`${file}: cannot read ${what} (${why})${expected ? `; expected ${expected}` : ''}`, hint);
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw refuse('it is a directory, not a file');
    if (!info.isFile()) throw refuse('not a regular file');
    if (limits.maxBytes !== undefined && info.size > limits.maxBytes) {
      throw refuse(`${info.size} bytes, more than the ${limits.maxBytes} a ${what} may have`);
    }
    bytes = await readFile(file);
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw refuse(code ? (ERRNO_WORDS[code] ?? code) : String(err));
  }
  try {
    // Strict: a replacement character in place of a bad byte would pass silently into a name or a path.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw refuse(`not UTF-8 text: invalid bytes on line ${firstInvalidLine(bytes)}`);
  }
}

const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
};

/** The 1-based line of the first byte sequence that is not UTF-8 (lines end at a newline byte, which UTF-8 never uses inside a character). */
function firstInvalidLine(bytes: Buffer): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  for (let start = 0; ; line++) {
    const end = bytes.indexOf(0x0a, start);
    try {
      decoder.decode(bytes.subarray(start, end === -1 ? bytes.length : end));
    } catch {
      return line;
    }
    if (end === -1) return line;
    start = end + 1;
  }
}
