// What the harness's own hot paths cost, measured with tinybench: one tick of each sampler,
// parsing a workload's event file (done every progress tick and at analysis) and reading a whole
// committed run folder.
//   npm run bench
// Sampler ticks: the per-process and host samplers tick for real on this machine (the
// per-process one reads /proc for this process and its parent, as for a unit of two processes);
// the GPU samplers' share of a tick on the harness side, parsing one line of their stream and
// writing its row, runs on recorded output (a line of the nvidia-smi stream, a row of the NVML
// recording), so it runs without a GPU. Every tick writes its rows to a CSV file, as in a run.
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Bench } from 'tinybench';
import { parseEvents } from '../src/records/events.ts';
import { UnitProcesses } from '../src/launch/supervisor.ts';
import { SAMPLE_FILES } from '../src/results/layout.ts';
import { readRun, readTable } from '../src/results/read.ts';
import { TELEMETRY_TEXT_COLUMNS, type TelemetryRow } from '../src/records/samples.ts';
import { CsvAppender } from '../src/telemetry/csv.ts';
import { parseGpuLine, sampleRow } from '../src/telemetry/nvidia-smi.ts';
import { parseNvmlLine } from '../src/telemetry/nvml.ts';
import { GpuTelemetryFile, HOST_HEADER, HostSampler, PROCESSES_HEADER, ProcessSampler } from '../src/telemetry/samplers.ts';

const root = path.resolve(import.meta.dirname, '..');
const run = path.join(root, 'bench/gpu/results/2026-11-27-2xH200/runs/trl-0.5b-2gpu-20261127-114611');
const eventsText = await readFile(path.join(run, 'colocate/r0/events/trainer-0.jsonl'), 'utf8');
// A long run's file: the same lines many times over, as a run of thousands of steps writes.
const longText = eventsText.repeat(200);

// Recorded GPU sampler output: the H200's nvidia-smi stream (with its throttle field), and a
// row of the NVML recording (past the first, so it has GPM values) as the NVML sampler's line.
const smiLine = (await readFile(path.join(root, 'test/fixtures/nvidia-smi/h200-580-query-gpu-stream.csv'), 'utf8')).split('\n')[0]!;
const nvmlTable = await readTable<TelemetryRow>(
  path.join(root, 'test/fixtures/nvml/h200-580-known-truth'),
  SAMPLE_FILES.telemetry,
  TELEMETRY_TEXT_COLUMNS,
);
const { source: _, ...nvmlSample } = nvmlTable!.rows[10]!;
const nvmlLine = JSON.stringify({ kind: 'sample', ...nvmlSample });
// A benchmark of a line that fails to parse would time the wrong path.
if (!parseGpuLine(smiLine, 0, true) || parseNvmlLine(nvmlLine)?.kind !== 'sample')
  throw new Error('recorded sampler lines no longer parse');

const out = await mkdtemp(path.join(tmpdir(), 'grpo-bench-hot-paths-'));
const gpuFile = new GpuTelemetryFile(path.join(out, SAMPLE_FILES.telemetry));
const processesFile = new CsvAppender(path.join(out, SAMPLE_FILES.processes), PROCESSES_HEADER);
const hostFile = new CsvAppender(path.join(out, SAMPLE_FILES.host), HOST_HEADER);
const members = [process.pid, process.ppid].map((pid, i) => ({ pid, process: `process-${i}`, role: 'trainer' as const }));
const processSampler = new ProcessSampler(
  () => members,
  () => null,
);
const hostSampler = new HostSampler();
// Finding a unit's processes scans /proc; its cost grows with every process on the host.
const tracker = new UnitProcesses();
const hostPids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).length;

const bench = new Bench({ time: 2000 });
bench
  .add(`per-process sampler: one tick (${members.length} processes, /proc)`, () => {
    processesFile.append(processSampler.tick());
  })
  .add(`finding the unit's processes: full /proc scan (${hostPids} processes on the host)`, () => {
    tracker.members();
  })
  .add("finding the unit's processes: a sampler's scan (a full one every 25th)", () => {
    tracker.sampledMembers();
  })
  .add('host sampler: one tick (CPU times from os.cpus(), memory from systeminformation)', async () => {
    hostFile.append([await hostSampler.row()]);
  })
  .add('nvidia-smi stream: one recorded line to a telemetry.csv row', () => {
    gpuFile.record(sampleRow(parseGpuLine(smiLine, Date.now() / 1000, true)!));
  })
  .add('NVML sampler: one recorded sample line to a telemetry.csv row', () => {
    const m = parseNvmlLine(nvmlLine);
    if (m?.kind === 'sample') gpuFile.record(m.row);
  })
  .add(`parse one event file (${eventsText.split('\n').length} lines)`, () => {
    parseEvents(eventsText);
  })
  .add(`parse a long event file (${longText.split('\n').length} lines)`, () => {
    parseEvents(longText);
  })
  .add('read a committed run folder (manifest, plan, events, telemetry)', async () => {
    await readRun(run);
  });
try {
  await bench.run();
} finally {
  for (const f of [gpuFile, processesFile, hostFile]) f.close();
  await rm(out, { recursive: true, force: true });
}
console.table(bench.table());
