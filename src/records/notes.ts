// A note the analysis leaves on a run (summary.json `notes`): what was missing, partial or weak,
// and why, typed so every output can show it (analysis/summary/notes.ts makes them).

/** `warning`: a figure is missing or rests on less than it should; `info`: how a figure was made, or a limit of the run. */
export type NoteSeverity = 'info' | 'warning';

/** Every kind of note, its severity, and whether the report also shows it under the headline. */
export const NOTE_KINDS = {
  /** A CPU-only run: the comparison checks that everything works. */
  cpu_run: { severity: 'info', headline: false },
  /** Under equal_per_device_batch the step-time speedup is left out. */
  step_time_speedup_omitted: { severity: 'info', headline: false },
  /** A planned unit that never ran. */
  unit_not_run: { severity: 'warning', headline: false },
  /** The manifest's error for a unit. */
  unit_error: { severity: 'warning', headline: false },
  /** A unit that did not complete; the steps it measured are used. */
  unit_incomplete: { severity: 'warning', headline: false },
  /** Lines of an event file that could not be read. */
  events_unreadable: { severity: 'warning', headline: false },
  /** A process whose event file has no end event. */
  process_unfinished: { severity: 'warning', headline: false },
  /** A process that ended with an error. */
  process_error: { severity: 'warning', headline: false },
  /** Rows of a sample file (telemetry, processes, host) that could not be read. */
  samples_unreadable: { severity: 'warning', headline: false },
  /** A unit without trainer rank 0's event file. */
  no_trainer_events: { severity: 'warning', headline: false },
  /** Trainer rank 0 logged a step twice. */
  duplicate_steps: { severity: 'warning', headline: false },
  /** Steps whose samples differ from the planned global batch. */
  batch_mismatch: { severity: 'warning', headline: false },
  /** Throughput never met the steady-state rule. */
  not_settled: { severity: 'warning', headline: false },
  /** Steps cut as settling, and what keeping them would have given. */
  settling_cut: { severity: 'info', headline: false },
  /** Too few steps after the warm-up for the steady-state rule. */
  steady_state_unchecked: { severity: 'info', headline: false },
  /** Measured steps far from the others, named (kept). */
  outlier_steps: { severity: 'info', headline: false },
  /** A run whose throughput drifted between the first and second half of its measured steps. */
  trend: { severity: 'warning', headline: false },
  /** A (point, mode) without measured steps, left out of the summary. */
  no_measured_steps: { severity: 'warning', headline: false },
  /** One run (no confidence interval, only the spread of its steps) or two (a wide interval). */
  few_runs: { severity: 'warning', headline: false },
  /** Measured steps do not cover the wall time between them. */
  steps_leave_gaps: { severity: 'info', headline: false },
  /** No training phases: the generation ÷ training ratio is unknown. */
  no_training_phases: { severity: 'info', headline: false },
  /** A role wrote phase events in none or only some of its runs: its busy fraction is unknown or partial. */
  busy_incomplete: { severity: 'info', headline: false },
  /** GPU runs of a mode without GPM samples: SM and tensor activity unknown, idle from phases only. */
  gpm_unavailable: { severity: 'info', headline: false },
  /** Some of a role's GPU windows had GPM samples, others not. */
  gpm_partial: { severity: 'info', headline: false },
  /** Requests the trainer made that the server did not record: server time rests on fewer. */
  requests_unpaired: { severity: 'info', headline: false },
  /** A run left out of the energy figure (no telemetry, or no power samples). */
  energy_incomplete: { severity: 'info', headline: false },
  /** No launch time in the manifest: time to first step counts from the first event. */
  launch_time_missing: { severity: 'info', headline: false },
  /** Server mode ran with its server on the trainer's GPU (IPC weight transfer): not a layout TRL supports. */
  shared_gpu_server: { severity: 'info', headline: true },
  /** The modes of a comparison did not do equal work per sample. */
  unequal_work: { severity: 'warning', headline: true },
  /** A mode's repeats resolved different settings. */
  settings_differ_between_repeats: { severity: 'warning', headline: false },
  /** A mode's settings (config events) are missing. */
  settings_missing: { severity: 'info', headline: false },
  /** The report re-ran the analysis of a summary.json older than the harness's. */
  summary_reanalysed: { severity: 'info', headline: false },
  /** The report shows an older summary.json as it is, because the analysis could not re-run. */
  summary_outdated: { severity: 'warning', headline: false },
  /** The results folder could not be read whole: the report shows summary.json alone. */
  summary_alone: { severity: 'warning', headline: false },
  /** A folder written before its files' digests were recorded: nothing to check them against. */
  before_digests: { severity: 'info', headline: false },
  /** steps.csv or summary.json changed after the analysis wrote them: the report computed them again from the raw files. */
  derived_recomputed: { severity: 'warning', headline: true },
  /** Raw files that no longer match their digests, shown because the user asked (--allow-unverified). */
  unverified: { severity: 'warning', headline: true },
  /** A note of a summary.json written before notes had kinds. */
  unclassified: { severity: 'info', headline: false },
} as const satisfies Record<string, { severity: NoteSeverity; headline: boolean }>;

export type NoteKind = keyof typeof NOTE_KINDS;

export interface Note {
  kind: NoteKind;
  severity: NoteSeverity;
  /** What it is about: `run`, a point id, `<point>/<mode>`, a unit folder or a file of the run folder. */
  subject: string;
  /** The sentence every output shows: `<subject>: <message>`, or the message alone for the whole run. */
  text: string;
}
