// A fake `nvidia-smi` executable for CPU-only machines: a real process that answers each
// `--query-*=<fields>` from the file `<dir>/query-*=<fields>.txt` (once, or one blank-line
// separated sample per -lms period, cycling, until signalled), `--help-query-gpu` from
// `help-query-gpu.txt`, and no query from `banner.txt`. A missing file makes it fail like
// nvidia-smi does on an unknown field. Each call is logged to `<dir>/calls.jsonl`.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../launch/fixtures.ts';

const FAKE = `
const fs = require('fs'), path = require('path');
const dir = process.env.FAKE_SMI_DIR;
const args = process.argv.slice(2);
fs.appendFileSync(path.join(dir, 'calls.jsonl'), JSON.stringify({ pid: process.pid, args }) + '\\n');
const q = args.find((a) => a.startsWith('--query-') || a === '--help-query-gpu');
const key = q ? q.slice(2) : 'banner';
const file = path.join(dir, key + '.txt');
if (!fs.existsSync(file)) {
  process.stderr.write('Field "' + key + '" is not a valid field to query.\\n');
  process.exit(2);
}
const lms = args.indexOf('-lms');
if (lms < 0) {
  process.stdout.write(fs.readFileSync(file, 'utf8'));
  process.exit(0);
}
let i = 0;
const tick = () => {
  const frames = fs.readFileSync(file, 'utf8').split(/\\n\\s*\\n/);
  const frame = (frames[i++ % frames.length] || '').trim();
  if (frame) process.stdout.write(frame + '\\n');
};
tick();
setInterval(tick, Number(args[lms + 1]));
process.on('SIGTERM', () => process.exit(0));
`;

export const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'nvidia-smi');

export function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

export interface FakeSmi {
  /** Folder of the `nvidia-smi` executable, to put first on PATH. */
  bin: string;
  /** Sets what a query prints: `respond('query-gpu=index,uuid', text)`. */
  respond(key: string, text: string): void;
  calls(): { pid: number; args: string[] }[];
}

export function fakeSmi(): FakeSmi {
  const root = tempDir('fake-smi-');
  const bin = path.join(root, 'bin');
  const data = path.join(root, 'data');
  mkdirSync(bin);
  mkdirSync(data);
  const exe = path.join(bin, 'nvidia-smi');
  writeFileSync(exe, `#!${process.execPath}\n${FAKE}`);
  chmodSync(exe, 0o755);
  process.env.FAKE_SMI_DIR = data;
  return {
    bin,
    respond: (key, text) => writeFileSync(path.join(data, `${key}.txt`), text),
    calls: () => {
      try {
        return readFileSync(path.join(data, 'calls.jsonl'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l));
      } catch {
        return [];
      }
    },
  };
}

/** Runs `fn` with `dir` first on PATH. */
export async function withPath<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const old = process.env.PATH;
  process.env.PATH = `${dir}${path.delimiter}${old}`;
  try {
    return await fn();
  } finally {
    process.env.PATH = old;
  }
}
