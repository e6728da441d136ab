// A workload is registered once (src/workloads/registry.ts); the scenario schema, the adapters and
// the harness ↔ workload contract all follow from that list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScenario } from '../../src/scenario/load.ts';
import { adapterFor } from '../../src/workloads/adapters.ts';
import { CONTRACT } from '../../src/workloads/contract.ts';
import { WORKLOAD_NAMES, WORKLOADS } from '../../src/workloads/registry.ts';

test('every registered workload is a scenario workload with its own settings, an adapter and a --config contract', () => {
  assert.deepEqual([...WORKLOAD_NAMES], ['synthetic', 'trl']);
  for (const name of WORKLOAD_NAMES) {
    const { scenario } = parseScenario(`name: t\nworkload: ${name}\nmodel: preset:tiny\nmodes:\n  colocate: { devices: 1 }\n`, 't.yaml');
    assert.equal(scenario.workload, name);
    // The workload's top-level keys are in the schema, with their defaults.
    for (const key of Object.keys(WORKLOADS[name].scenario)) assert.ok(key in scenario, `${name}: scenario key ${key}`);
    for (const key of Object.keys(WORKLOADS[name].colocate)) assert.ok(key in scenario.modes.colocate!, `${name}: modes.colocate.${key}`);
    assert.equal(adapterFor(name).name, name);
    assert.equal(CONTRACT[`${name}-config`], adapterFor(name).config);
  }
  assert.throws(
    () => parseScenario('name: t\nworkload: vllm\nmodel: preset:tiny\nmodes:\n  colocate: { devices: 1 }\n', 't.yaml'),
    /expected one of "synthetic", "trl"/,
  );
});
