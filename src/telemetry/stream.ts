// A long-lived sampler process whose stdout lines go to a callback: the nvidia-smi `-lms`
// streams and the NVML sampler. One process for the whole unit, never one spawn per sample;
// its CPU is read from /proc so the unit's record can say what sampling cost.
import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { readStat } from './proc.ts';
import { wallSeconds } from './csv.ts';

export class LineStream {
  readonly #child: ResultPromise<{ reject: false; buffer: false; stdin: 'ignore' }>;
  readonly #name: string;
  #cpu = 0;
  #stderr = '';
  #exit: { code: number | null; signal: string | null; startError?: string } | undefined;
  readonly exited: Promise<void>;

  /** `name` says in messages which sampler this is (the executable's name when not given). */
  constructor(file: string, args: string[], onLine: (line: string, t: number) => void, name = file) {
    this.#name = name;
    this.#child = execa(file, args, { reject: false, buffer: false, stdin: 'ignore' });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => onLine(line, wallSeconds()));
    this.#child.stderr!.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-2000);
    });
    this.exited = this.#child.then((r) => {
      const startError = r.failed && r.exitCode === undefined && !r.signal ? (r.originalMessage ?? r.shortMessage) : undefined;
      this.#exit = { code: r.exitCode ?? null, signal: r.signal ?? null, ...(startError ? { startError } : {}) };
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** Why it stopped on its own (bad field, driver gone), or null while it runs / after stop(). */
  get failure(): string | null {
    if (!this.#exit || this.#exit.signal) return null;
    if (this.#exit.startError) return `${this.#name} could not be started: ${this.#exit.startError}`;
    return `${this.#name} exited with code ${this.#exit.code}: ${this.#stderr.trim()}`;
  }

  /** CPU seconds the process has used (last value read while it lived). */
  cpuSeconds(): number {
    const s = this.pid === undefined || !this.running ? null : readStat(this.pid);
    if (s) this.#cpu = s.cpu_s;
    return this.#cpu;
  }

  async stop(): Promise<void> {
    this.cpuSeconds();
    if (!this.running) return;
    this.#child.kill('SIGTERM');
    const killer = setTimeout(() => this.#child.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(killer);
  }
}
