// yargs' own refusals (an unknown flag, a missing positional, a value outside its choices) as
// UsageErrors, with the nearest known flag for a misspelt one.
import type { Argv } from 'yargs';
import { UsageError } from '../errors.ts';
import { closest } from '../suggest.ts';

/** Every option name and alias a command's builder declared (yargs' own help and version included). */
export function optionNames(y: Argv): string[] {
  const o = (y as unknown as { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> } }).getOptions();
  return [...Object.keys(o.key), ...Object.values(o.alias).flat()];
}

/** yargs' message about the command line, with a "did you mean" for each unknown flag near a known one. */
export function usageError(message: string, command: string | undefined, known: readonly string[], argv: readonly string[]): UsageError {
  const help = command ? `grpo-bench ${command} --help` : 'grpo-bench --help';
  const recommended = /^Did you mean (.+)\?$/.exec(message);
  if (recommended) return new UsageError(`unknown command ${argv[0]}`, `Did you mean ${recommended[1]}? See ${help}.`);
  const bare = /^Not enough arguments following: (\S+)$/.exec(message);
  if (bare) return new UsageError(`--${bare[1]} needs a value`, `See ${help}.`);
  const choice = /Argument: (\S+), Given: "(.*)", Choices: (.*)$/m.exec(message);
  if (choice) {
    const choices = choice[3]!.split(', ').map((c) => c.replace(/^"|"$/g, ''));
    const guess = closest(choice[2]!, choices);
    return new UsageError(
      `--${choice[1]} ${choice[2]}: expected one of ${choices.join(', ')}`,
      `${guess ? `Did you mean ${guess}? ` : ''}See ${help}.`,
    );
  }
  const unknown = /^Unknown arguments?: (.+)$/.exec(message);
  if (unknown) {
    const names = unknown[1]!.split(', ');
    const guesses = names
      .map(
        (n) =>
          [
            n,
            closest(
              n,
              known.filter((k) => k.length > 1),
            ),
          ] as const,
      )
      .filter(([, g]) => g !== undefined);
    const flags = names.map((n) => (known.length > 0 ? `--${n}` : n)).join(', ');
    const guess = guesses.map(([n, g]) => (names.length > 1 ? `--${n}: did you mean --${g}?` : `Did you mean --${g}?`)).join(' ');
    return new UsageError(
      `unknown ${names.length > 1 ? 'options' : 'option'} ${flags}${command ? ` for ${command}` : ''}`,
      `${guess ? `${guess} ` : ''}See ${help}.`,
    );
  }
  return new UsageError(message, `See ${help}.`);
}
