// The floors of src/ and the rules between them (docs/design.md "Imports between folders"):
// no import cycle, and no folder imports one above it. From the top: cli.ts → commands/ →
// launch/, report/ → analysis/ (gate/, whatif/ → summary/ → inference/) → workloads/,
// telemetry/ → results/ → env/, modes.ts → records/ → scenario/ → errors.ts, value-format.ts,
// suggest.ts. `npm test` runs `depcruise src` with these rules.
const floor = (name, path) => ({ name, path });
const FLOORS = [
  floor('commands', '^src/(cli\\.ts|commands/)'),
  floor('launch-report', '^src/(launch|report)/'),
  floor('analysis', '^src/analysis/[^/]+\\.ts$'),
  floor('analysis-gate-whatif', '^src/analysis/(gate|whatif)/'),
  floor('analysis-summary', '^src/analysis/summary/'),
  floor('analysis-inference', '^src/analysis/inference/'),
  floor('workloads-telemetry', '^src/(workloads|telemetry)/'),
  floor('results', '^src/results/'),
  floor('env-modes', '^src/(env/|modes\\.ts$)'),
  floor('records', '^src/records/'),
  floor('scenario', '^src/scenario/'),
  floor('base', '^src/(errors|value-format|suggest)\\.ts$'),
];
// The one import that runs up, on purpose: the scenario schema takes each workload's settings
// from the registry, so that a workload is named once (docs/design.md).
const ALLOWED_UP = '^src/workloads/(registry\\.ts|[^/]+/settings\\.ts)$';

const upward = FLOORS.flatMap((lower, i) =>
  FLOORS.slice(0, i).map((upper) => ({
    name: `up-${lower.name}-to-${upper.name}`,
    comment: `${lower.name} sits below ${upper.name} and must not import it`,
    severity: 'error',
    from: { path: lower.path },
    to: { path: upper.path, pathNot: ALLOWED_UP },
  })),
);

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'no import cycle between files', severity: 'error', from: {}, to: { circular: true } },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.py$' },
  },
};
