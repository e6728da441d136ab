// Every command's options are described: --help of each command shows a description beside every flag.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import yargs from 'yargs';
import { COMMANDS } from '../../src/commands/index.ts';

function helpOf(command: (typeof COMMANDS)[number]): Promise<string> {
  const name = command.command.split(' ')[0]!;
  return new Promise((resolve, reject) => {
    yargs()
      .scriptName('grpo-bench')
      .command(command.command, command.describe || 'hidden', command.builder, () => {})
      .exitProcess(false)
      .wrap(null)
      .parse([name, '--help'], {}, (err, _argv, output) => (err ? reject(err) : resolve(output)));
  });
}

test('every option and positional of every command has a description', async () => {
  for (const command of COMMANDS) {
    const help = await helpOf(command);
    const flags = help.split('\n').filter((l) => /^\s+(-\w, )?--?[\w-]+\s|^\s+\w[\w-]*\s{2,}/.test(l) && !/^\s+grpo-bench/.test(l));
    assert.ok(flags.length > 0, `${command.command}: no options in\n${help}`);
    for (const line of flags) {
      const text = line
        .replace(/^\s+(-\w, )?(--)?[\w-]+/, '')
        .replace(/\[[^\]]*\]/g, '')
        .replace(/\[choices:.*$/, '')
        .trim();
      assert.ok(text.length > 0, `${command.command}: "${line.trim()}" has no description`);
    }
  }
});
