// What a command declares: its usage line, its description, its options (builder), and a handler
// that imports the command's work only when it runs and returns the exit code.
import type { ArgumentsCamelCase, Argv } from 'yargs';

export interface Command<A = object> {
  command: string;
  /** false hides the command from --help (started by other programs, not by people). */
  describe: string | false;
  builder: (y: Argv) => Argv<A>;
  handler: (a: ArgumentsCamelCase<A>) => Promise<number>;
}

export function defineCommand<A>(c: Command<A>): Command<A> {
  return c;
}
