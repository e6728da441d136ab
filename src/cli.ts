#!/usr/bin/env node
// Every command and its options, declared in one place. The work lives in src/commands/<verb>/
// and is imported only when that command runs, so `plan` never loads the samplers and
// `doctor` never loads the report renderers.
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UserError } from './errors.ts';
import { LAUNCHERS, MODE_NAMES, type LauncherName, type ModeName } from './scenario/schema.ts';
import { harnessVersion } from './env/harness.ts';
import { REPORTS_ROOT, REPRODUCE_DIR, RESULTS_ROOT } from './results/layout.ts';

async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  await yargs(argv)
    .scriptName('grpo-bench')
    .usage('$0 <command> [options]\n\nRuns one GRPO workload in server and colocate generation modes and compares them.')
    .command(
      'run <scenario>',
      'Run a scenario in each of its modes, sample the machine, summarise and report',
      (y) =>
        runOptions(y)
          .option('reports', { type: 'string', default: REPORTS_ROOT, describe: 'Folder that receives reports/<run-id>/' })
          .option('report', { type: 'boolean', default: true, describe: 'Render the reports at the end (--no-report skips them)' }),
      async (a) => {
        const { runCommand } = await import('./commands/run/index.ts');
        ({ exitCode } = await runCommand({ ...runArgs(a), reports: a.report ? a.reports : undefined }));
      },
    )
    .command(
      'profile <scenario>',
      'Measure the halves the what-if model composes: the server answering 1 … K trainers’ requests, and colocate/hf steps by per-device batch',
      (y) =>
        y
          .positional('scenario', { type: 'string', demandOption: true, describe: 'Scenario YAML file (needs modes.server)' })
          .option('trainers', { type: 'string', array: true, default: ['1-8'], describe: 'Trainer counts K to simulate: numbers or ranges (1-8)' })
          .option('batches', { type: 'string', array: true, describe: 'Per-device batches B (default: the scenario’s sweep of per_device_train_batch_size, else its value)' })
          .option('requests', { type: 'number', default: 3, describe: 'Measured requests per (K, B)' })
          .option('warmup-requests', { type: 'number', default: 1, describe: 'Unmeasured requests at the largest (K, B) first' })
          .option('trainer-mode', { type: 'string', array: true, choices: ['colocate', 'hf', 'none'], describe: 'Trainer-half modes to run (default: colocate and hf as defined; none with --trainer-runs)' })
          .option('trainer-runs', { type: 'string', array: true, describe: 'Results folders of colocate/hf/server runs that make the trainer half' })
          .option('steps', { type: 'number', describe: 'Override the scenario’s steps (trainer half)' })
          .option('warmup-steps', { type: 'number', describe: 'Override the scenario’s warm-up steps (trainer half)' })
          .option('repeats', { type: 'number', describe: 'Override the scenario’s repeats (trainer half)' })
          .option('out', { type: 'string', default: RESULTS_ROOT, describe: 'Folder that receives results/<run-id>/' })
          .option('reports', { type: 'string', default: REPORTS_ROOT, describe: 'Folder that receives reports/<run-id>/' })
          .option('report', { type: 'boolean', default: true, describe: 'Write the reports (--no-report skips them)' }),
      async (a) => {
        const { profileCommand } = await import('./commands/profile/index.ts');
        const modes = a['trainer-mode'] as string[] | undefined;
        ({ exitCode } = await profileCommand({
          scenario: a.scenario,
          trainers: integerList(a.trainers, '--trainers'),
          batches: a.batches ? integerList(a.batches, '--batches') : undefined,
          requests: positive(a.requests, '--requests')!,
          warmupRequests: nonNegative(a['warmup-requests'], '--warmup-requests')!,
          trainerModes: modes ? (modes.includes('none') ? [] : (modes as ModeName[])) : undefined,
          trainerRuns: a['trainer-runs'],
          steps: positive(a.steps, '--steps'),
          warmupSteps: nonNegative(a['warmup-steps'], '--warmup-steps'),
          repeats: positive(a.repeats, '--repeats'),
          out: a.out,
          reports: a.report ? a.reports : undefined,
        }));
      },
    )
    .command(
      'predict <profile..>',
      'PREDICTED speedup of colocate over every server split of N GPUs, with and without sleep mode, from a profile',
      (y) =>
        y
          .positional('profile', { type: 'string', array: true, demandOption: true, describe: 'profile.json, or results folders (a profile run, server/colocate/hf runs) to build one from' })
          .option('gpus', { type: 'number', demandOption: true, describe: 'GPUs of the job (N): every split S + T of them is predicted' })
          .option('batch', { type: 'number', describe: 'Per-device batch (default: the profile’s largest measured)' })
          .option('server-tp', { type: 'string', default: '1', describe: 'Server tensor-parallel sizes: a list (1,2) or all' })
          .option('colocate-tp', { type: 'number', default: 1, describe: 'Colocate engines’ tensor-parallel size' })
          .option('assume', { type: 'string', array: true, describe: 'Override an assumption: name=value (weight_sync_gb_per_s, allreduce_gb_per_s, tp_efficiency, sleep_gb_per_s)' })
          .option('out', { type: 'string', describe: 'Folder for predict.md, predict.json and the chart (default: reports/<profile run>/predict-<N>gpu)' })
          .option('json', { type: 'boolean', default: false, describe: 'Print the prediction as JSON' }),
      async (a) => {
        const { predictCommand } = await import('./commands/predict/index.ts');
        await predictCommand({
          profile: a.profile as string[],
          gpus: positive(a.gpus, '--gpus')!,
          batch: positive(a.batch, '--batch'),
          serverTp: a['server-tp'] === 'all' ? 'all' : integerList([a['server-tp']], '--server-tp'),
          colocateTp: positive(a['colocate-tp'], '--colocate-tp')!,
          assume: a.assume ?? [],
          out: a.out,
          json: a.json,
        });
      },
    )
    .command(
      'reproduce [claims..]',
      'Each published claim (scenarios/published/*.yaml) against its PREDICTED value from a profile and, where a run exists, the measured one: verdict and the gap from the phases',
      (y) =>
        y
          .positional('claims', { type: 'string', array: true, describe: 'Scenario files with a claim: block (default: scenarios/published/*.yaml)' })
          .option('profile', { type: 'string', array: true, default: [], describe: 'Profiles: profile.json files, or results folders (a profile run and runs of the same model and lengths join into one)' })
          .option('runs', { type: 'string', array: true, default: [], describe: 'Results folders of runs of the claims’ scenarios' })
          .option('assume', { type: 'string', array: true, describe: 'Override an assumption of the model: name=value' })
          .option('out', { type: 'string', default: REPRODUCE_DIR, describe: 'Folder for reproduce.md and reproduce.json' })
          .option('json', { type: 'boolean', default: false }),
      async (a) => {
        const { reproduceCommand } = await import('./commands/reproduce/index.ts');
        await reproduceCommand({ claims: (a.claims as string[] | undefined) ?? [], profiles: a.profile, runs: a.runs, assume: a.assume ?? [], out: a.out, json: a.json });
      },
    )
    .command(
      'plan <scenario>',
      'Print every process each mode would start: argv, env, GPUs, ports; anywhere (what this machine lacks is listed as warnings)',
      (y) =>
        y
          .positional('scenario', { type: 'string', demandOption: true })
          .option('mode', { type: 'string', array: true, choices: MODE_NAMES as unknown as string[] })
          .option('json', { type: 'boolean', default: false, describe: 'The plan as JSON, exactly as run executes it' })
          .option('gpus', { type: 'number', describe: 'Plan for this many GPUs instead of probing the machine' })
          .option('assume', { type: 'string', array: true, describe: 'Library versions to plan for instead of probing, e.g. trl=1.13.0,vllm=0.26.0' })
          .option('launcher', { type: 'string', choices: LAUNCHERS as unknown as string[], describe: 'Override the scenario’s launcher (slurm: print the job script)' }),
      async (a) => {
        const { planCommand } = await import('./commands/plan/index.ts');
        if (a.gpus !== undefined && !(Number.isInteger(a.gpus) && a.gpus >= 0)) throw new UserError(`--gpus must be a whole number of GPUs, got ${a.gpus}`);
        await planCommand({ scenario: a.scenario, modes: a.mode as ModeName[] | undefined, json: a.json, gpus: a.gpus, assume: a.assume, launcher: a.launcher as LauncherName | undefined });
      },
    )
    .command(
      'headroom <scenario>',
      'Memory headroom of a model in one mode on this GPU: the largest per-device batch and the smallest vLLM memory share that fit (a search that stops at the first out-of-memory)',
      (y) =>
        y
          .positional('scenario', { type: 'string', demandOption: true, describe: 'Scenario YAML file' })
          .option('mode', { type: 'string', choices: MODE_NAMES as unknown as string[], describe: 'Mode to probe (default colocate)' })
          .option('batches', { type: 'string', describe: 'Per-device batches to try, upwards, e.g. 8,16,32,64' })
          .option('utilizations', { type: 'string', describe: 'vLLM gpu_memory_utilization values to try, downwards, e.g. 0.3,0.2,0.15' })
          .option('axis', { type: 'string', choices: ['batch', 'utilization'], describe: 'Only this search' })
          .option('point', { type: 'string', describe: 'Start from this point of the scenario’s sweep (its id)' })
          .option('steps', { type: 'number', describe: 'Steps per probe (default: the scenario’s)' })
          .option('warmup-steps', { type: 'number', describe: 'Warm-up steps per probe' })
          .option('out', { type: 'string', default: 'results', describe: 'Folder that receives results/<run-id>/' }),
      async (a) => {
        const { headroomCommand } = await import('./commands/headroom/index.ts');
        ({ exitCode } = await headroomCommand({
          scenario: a.scenario,
          mode: a.mode as ModeName | undefined,
          batches: numberList(a.batches, '--batches'),
          utilizations: numberList(a.utilizations, '--utilizations'),
          axis: a.axis as 'batch' | 'utilization' | undefined,
          point: a.point,
          steps: positive(a.steps, '--steps'),
          warmupSteps: nonNegative(a['warmup-steps'], '--warmup-steps'),
          out: a.out,
        }));
      },
    )
    .command(
      'doctor',
      'What this machine offers: GPUs, driver, Python and libraries; what each workload is missing',
      (y) => y.option('json', { type: 'boolean', default: false }),
      async (a) => {
        const { doctorCommand } = await import('./commands/doctor/index.ts');
        exitCode = await doctorCommand({ json: a.json });
      },
    )
    .command(
      'report <results>',
      'Render CSV, Markdown, HTML and PNG reports from a results folder alone',
      (y) =>
        y
          .positional('results', { type: 'string', demandOption: true, describe: 'results/<run-id> folder' })
          .option('out', { type: 'string', describe: 'Output folder (default: reports/<run-id> beside results/)' })
          .option('format', { type: 'string', array: true, choices: ['csv', 'markdown', 'html', 'png'], describe: 'Only these formats' }),
      async (a) => {
        const { reportCommand } = await import('./commands/report/index.ts');
        const r = await reportCommand({ results: a.results, out: a.out, formats: a.format as ('csv' | 'markdown' | 'html' | 'png')[] | undefined });
        console.log(`${r.outDir}\n${r.files.map((f) => `  ${f}`).join('\n')}`);
      },
    )
    .command(
      'bundle [requirements..]',
      'Build an offline bundle for a host without network: the harness as one file, Node, and the wheels it lacks',
      (y) =>
        y
          .option('out', { type: 'string', demandOption: true, describe: 'Output folder (emptied first)' })
          .option('python', { type: 'string', demandOption: true, describe: 'Target Python major.minor, e.g. 3.12' })
          .option('platform', { type: 'string', array: true, describe: 'Wheel platform tags the target accepts' })
          .option('have', { type: 'string', array: true, describe: 'What the host has: name==version or name (never shipped)' })
          .option('have-file', { type: 'string', array: true, describe: 'pip freeze output (or one name per line) of the host' })
          .option('requirement', { alias: 'r', type: 'string', array: true, describe: 'Requirement files' })
          .option('exclude', { type: 'string', array: true, describe: 'Packages not to ship' })
          .option('force-ship', { type: 'string', array: true, describe: 'Ship even though the host has it' })
          .option('strip', { type: 'string', array: true, describe: 'name:glob — drop matching files from that wheel' })
          .option('find-links', { type: 'string', array: true })
          // Declared positively: yargs reads --no-X as X=false, never as an option named no-X.
          .option('index', { type: 'boolean', default: true, describe: 'Ask the package index (--no-index: only --find-links)' })
          .option('node', { type: 'boolean', default: false, describe: 'Include this Node.js binary (xz)' })
          .option('harness', { type: 'boolean', default: true, describe: 'Bundle the harness (--no-harness: wheels only)' })
          // No default here: unset, it follows --harness (a wheels-only bundle does not ship them unasked).
          .option('harness-requirements', {
            type: 'boolean',
            describe: 'Ship the wheels of requirements-harness.txt (jsonschema: what the workloads import beside the host\'s PyTorch stack), less what the host has (default: with the harness; --no-harness-requirements leaves them out)',
          })
          .option('resolver-python', { type: 'string', describe: 'A local Python of the target\'s major.minor to resolve wheels with (default: python<ver>, else python3)' })
          .option('split-mib', { type: 'number', describe: 'Split into parts of at most this many MiB' })
          .option('variant', { type: 'string', array: true, describe: 'PACKAGE=VERSION of a pure-Python package installed in its own folder for a scenario variant (e.g. trl=1.16.0)' })
          .positional('requirements', { type: 'string', array: true, describe: 'What the host must be able to import, e.g. trl==1.13.0 vllm==0.26.0' }),
      async (a) => {
        const { bundleCommand } = await import('./commands/bundle/index.ts');
        exitCode = await bundleCommand({
          out: a.out,
          python: a.python,
          platforms: a.platform,
          have: a.have,
          haveFiles: a['have-file'],
          requirements: a.requirements,
          requirementFiles: a.requirement,
          harnessRequirements: a['harness-requirements'],
          resolverPython: a['resolver-python'],
          exclude: a.exclude,
          forceShip: a['force-ship'],
          strip: a.strip,
          findLinks: a['find-links'],
          noIndex: !a.index,
          node: a.node,
          entry: a.harness ? undefined : null,
          splitMib: positive(a['split-mib'], '--split-mib'),
          variants: a.variant,
        });
      },
    )
    .command(
      'compare <baseline> <candidate>',
      'Did the candidate regress? Per point and mode, a t interval of the candidate ÷ baseline ratio of per-run values; exit 0 no regression beyond the threshold, 1 regressed, 3 inconclusive (with the runs per side that would resolve it), 2 not comparable',
      (y) =>
        y
          .positional('baseline', { type: 'string', demandOption: true, describe: 'results/<run-id> of the baseline' })
          .positional('candidate', { type: 'string', demandOption: true, describe: 'results/<run-id> of the candidate' })
          .option('metric', { type: 'string', describe: 'Gated metric (default completion_tokens_per_s_per_allocated_device)' })
          .option('threshold', { type: 'number', default: 0.02, describe: 'Smallest change that counts, as a fraction of the baseline' })
          .option('allow-different', { type: 'string', array: true, describe: 'Environment, settings or work field allowed to differ (exact or prefix, e.g. slowdown, environment, work)' })
          .option('noise-profile', { type: 'string', describe: 'Noise profile file from calibrate (default: found beside the baseline)' })
          .option('json', { type: 'boolean', default: false, describe: 'The verdict as JSON instead of Markdown' }),
      async (a) => {
        const { compareCommand } = await import('./commands/compare/index.ts');
        if (!(a.threshold > 0 && a.threshold < 1)) throw new UserError(`--threshold must be a fraction between 0 and 1, got ${a.threshold}`);
        exitCode = await compareCommand({
          baseline: a.baseline,
          candidate: a.candidate,
          metric: a.metric,
          threshold: a.threshold,
          allowDifferent: a['allow-different'],
          noiseProfile: a['noise-profile'],
          json: a.json,
        });
      },
    )
    .command(
      'gate <runs..>',
      "Did a variant regress? In one run of a scenario with variants, each variant ÷ the baseline variant per point and mode, paired by ABBA block; exit 0 no regression beyond the threshold, 1 regressed, 3 inconclusive, 2 not a run with variants",
      (y) =>
        y
          .positional('runs', { type: 'string', array: true, demandOption: true, describe: 'results/<run-id> of a run with variants; several runs of one scenario pool their blocks' })
          .option('metric', { type: 'string', describe: 'Gated metric (default completion_tokens_per_s_per_allocated_device)' })
          .option('threshold', { type: 'number', default: 0.02, describe: 'Smallest change that counts, as a fraction of the baseline' })
          .option('json', { type: 'boolean', default: false, describe: 'The verdict as JSON instead of Markdown' }),
      async (a) => {
        const { gateCommand } = await import('./commands/gate/index.ts');
        if (!(a.threshold > 0 && a.threshold < 1)) throw new UserError(`--threshold must be a fraction between 0 and 1, got ${a.threshold}`, undefined, 2);
        exitCode = await gateCommand({ runs: a.runs, metric: a.metric, threshold: a.threshold, json: a.json });
      },
    )
    .command(
      'history <folders..>',
      'A metric over versions and dates from many run folders: one line per comparable configuration (machine, model, mode, settings), with intervals, as history.html and history.csv; folders that do not compare are listed apart with why',
      (y) =>
        y
          .positional('folders', { type: 'string', array: true, demandOption: true, describe: 'Run folders (results/<run-id>)' })
          .option('out', { type: 'string', default: `${REPORTS_ROOT}/history`, describe: 'Folder for history.html and history.csv' })
          .option('metric', { type: 'string', describe: 'Metric (default completion_tokens_per_s_per_allocated_device)' }),
      async (a) => {
        const { historyCommand } = await import('./commands/history/index.ts');
        await historyCommand({ folders: a.folders, out: a.out, metric: a.metric });
      },
    )
    .command(
      'variants <action> <scenario>',
      "Set up a scenario's variants on a machine with a package index: a virtual environment per variant whose python does not exist yet, and pip install of what its expect: pins",
      (y) =>
        y
          .positional('action', { type: 'string', choices: ['setup'], demandOption: true })
          .positional('scenario', { type: 'string', demandOption: true, describe: 'Scenario YAML file with variants' })
          .option('python', { type: 'string', describe: 'Interpreter that makes the environments (default: the workload Python)' })
          .option('over', { type: 'string', describe: "Layer each new environment over this Python's packages (its pins shadow them)" })
          .option('system-site-packages', { type: 'boolean', default: false, describe: "Give new environments the base interpreter's packages (python -m venv --system-site-packages)" })
          .option('deps', { type: 'boolean', default: true, describe: 'Install the pins with their dependencies (--no-deps: only the pinned packages)' }),
      async (a) => {
        const { variantsSetupCommand } = await import('./commands/variants/setup.ts');
        exitCode = await variantsSetupCommand({ scenario: a.scenario, python: a.python, over: a.over, systemSitePackages: a['system-site-packages'], noDeps: !a.deps });
      },
    )
    .command(
      'calibrate <scenario>',
      'Measure what the gate resolves here: the scenario as several A/A pairs of folders, a noise profile for compare, and the smallest regression caught with 80% and 95% probability at n runs per side',
      (y) =>
        runOptions(y)
          .option('pairs', { type: 'number', describe: 'A/A pairs of results folders to run (default 3)' })
          .option('threshold', { type: 'number', describe: 'Threshold the table of detectable regressions is computed for (default 0.02)' })
          .option('metric', { type: 'string' })
          .option('from', { type: 'string', array: true, describe: 'Two or more results folders of this scenario already run here (ideally at different times): profile them instead of running' }),
      async (a) => {
        const { calibrateCommand } = await import('./commands/calibrate/index.ts');
        if (a.threshold !== undefined && !(a.threshold > 0 && a.threshold < 1)) throw new UserError(`--threshold must be a fraction between 0 and 1, got ${a.threshold}`);
        exitCode = await calibrateCommand({
          ...runArgs(a),
          pairs: positive(a.pairs, '--pairs'),
          threshold: a.threshold,
          metric: a.metric,
          from: a.from,
        });
      },
    )
    .command(
      'sample [program..]',
      'Run any program under the harness’s samplers and show what each view (utilization.gpu, SM and tensor activity, power, energy) read during each of its phase events',
      (y) =>
        y
          .positional('program', { type: 'string', array: true, describe: 'The program and its arguments, after --' })
          .option('out', { type: 'string', describe: 'Folder for its events, logs, samples and tables (default results/sample-<time>)' })
          .option('gpus', { type: 'string', default: '', describe: 'GPU indices to sample, comma-separated; the program sees them as CUDA_VISIBLE_DEVICES' })
          .option('interval-ms', { type: 'number', default: 200, describe: 'Sampling period' })
          .option('source', { type: 'string', choices: ['auto', 'nvml', 'nvidia-smi'], default: 'auto', describe: 'GPU sampler: NVML (GPM, energy counter) or the nvidia-smi stream; auto uses NVML where pynvml imports' })
          .option('settle', { type: 'number', describe: 'Seconds skipped at the start of each segment before reading it (default 1)' })
          .option('timeout', { type: 'number', default: 3600, describe: 'Seconds before the program is ended' }),
      async (a) => {
        const { sampleCommand } = await import('./commands/sample/index.ts');
        const gpus = a.gpus === '' ? [] : a.gpus.split(',').map((g) => Number(g.trim()));
        if (gpus.some((g) => !Number.isInteger(g) || g < 0)) throw new UserError(`--gpus ${a.gpus}: give GPU indices, e.g. 0 or 0,1`);
        const interval = positive(a['interval-ms'], '--interval-ms')!;
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort('interrupted'));
        ({ exitCode } = await sampleCommand({
          // Words after `--` land in yargs' `_`, after the command's own name.
          command: [...(a.program ?? []), ...a._.slice(1)].map(String),
          out: a.out,
          gpus,
          intervalMs: interval,
          source: a.source as 'auto' | 'nvml' | 'nvidia-smi',
          settleS: a.settle,
          timeoutS: a.timeout,
          signal: stop.signal,
        }));
      },
    )
    .command(
      'slurm-node <run>',
      false, // started by a SLURM job script on each node, not by people
      (y) =>
        y
          .positional('run', { type: 'string', demandOption: true, describe: 'results/<run-id> folder of the run' })
          .option('unit', { type: 'number', demandOption: true, describe: 'Index of the unit in plan.json' })
          .option('role', { type: 'string', choices: ['server', 'trainer'], demandOption: true })
          .option('server-nodes', { type: 'string', default: '', describe: "The unit's server nodes, comma-separated" })
          .option('trainer-nodes', { type: 'string', demandOption: true, describe: "The unit's trainer nodes, comma-separated" }),
      async (a) => {
        const { slurmNodeCommand } = await import('./commands/slurm-node/index.ts');
        exitCode = await slurmNodeCommand({
          run: a.run,
          unit: a.unit,
          role: a.role as 'server' | 'trainer',
          serverNodes: a['server-nodes'],
          trainerNodes: a['trainer-nodes'],
        });
      },
    )
        .demandCommand(1, 'Name a command: run, plan, profile, predict, reproduce, headroom, doctor, report, compare, gate, history, variants, calibrate, bundle or sample (see --help).')
    .strict()
    .version(harnessVersion())
    .help()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UserError(msg, 'See grpo-bench --help, or grpo-bench <command> --help.');
    })
    .parseAsync();
  return exitCode;
}

/** The options `run` and `calibrate` share: which scenario, which modes, how much. */
function runOptions<T>(y: Argv<T>) {
  return y
    .positional('scenario', { type: 'string', demandOption: true, describe: 'Scenario YAML file' })
    .option('mode', { type: 'string', array: true, choices: MODE_NAMES as unknown as string[], describe: 'Only these modes' })
    .option('repeats', { type: 'number', describe: 'Override the scenario’s repeats' })
    .option('steps', { type: 'number', describe: 'Override the scenario’s steps' })
    .option('warmup-steps', { type: 'number', describe: 'Override the scenario’s warm-up steps' })
    .option('point', { type: 'string', array: true, describe: 'Only these sweep points, by id (e.g. enable_sleep_mode=false)' })
    .option('launcher', { type: 'string', choices: LAUNCHERS as unknown as string[], describe: 'Override the scenario’s launcher: local, or slurm (a batch job; docs/slurm.md)' })
    .option('out', { type: 'string', default: RESULTS_ROOT, describe: 'Folder that receives results/<run-id>/' });
}

function runArgs(a: { scenario: string; mode?: string[]; point?: string[]; repeats?: number; steps?: number; 'warmup-steps'?: number; launcher?: string; out: string }) {
  return {
    scenario: a.scenario,
    modes: a.mode as ModeName[] | undefined,
    pointIds: a.point,
    launcher: a.launcher as LauncherName | undefined,
    repeats: positive(a.repeats, '--repeats'),
    steps: positive(a.steps, '--steps'),
    warmupSteps: nonNegative(a['warmup-steps'], '--warmup-steps'),
    out: a.out,
  };
}

/** `8,16,32` → [8, 16, 32]. */
function numberList(v: string | undefined, flag: string): number[] | undefined {
  if (v === undefined) return undefined;
  const values = v.split(',').map((x) => Number(x.trim()));
  if (values.length === 0 || values.some((x) => !Number.isFinite(x))) throw new UserError(`${flag} ${v}: give numbers separated by commas, e.g. ${flag} 8,16,32`);
  return values;
}

/** `1-8 12` → [1, …, 8, 12]: numbers and inclusive ranges, comma or space separated. */
function integerList(items: readonly (string | number)[], flag: string): number[] {
  const out: number[] = [];
  for (const part of items.flatMap((i) => String(i).split(','))) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    const [a, b] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [Number.NaN, Number.NaN];
    if (!(a > 0 && b >= a)) throw new UserError(`${flag}: '${part}' is not a positive integer or a range like 1-8`);
    for (let k = a; k <= b; k++) out.push(k);
  }
  return [...new Set(out)];
}

function positive(v: number | undefined, flag: string): number | undefined {
  if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new UserError(`${flag} must be a positive integer, got ${v}`);
  return v;
}

function nonNegative(v: number | undefined, flag: string): number | undefined {
  if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new UserError(`${flag} must be a non-negative integer, got ${v}`);
  return v;
}

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UserError) {
      console.error(`error: ${err.message}`);
      if (err.hint) console.error(`hint: ${err.hint}`);
      process.exitCode = err.exitCode;
    } else {
      console.error(err);
      console.error(`\nThis is a bug in grpo-bench ${harnessVersion()} (node ${process.version}); please report it with the lines above.`);
      process.exitCode = 70;
    }
  },
);
