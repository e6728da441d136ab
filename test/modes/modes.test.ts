import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accountDevices } from '../../src/launch/plan.ts';
import { MODE_ORDER, MODES, hasServer, modeColor, modeDisplayName, waitingPhases } from '../../src/modes.ts';
import { parseScenario } from '../../src/scenario/load.ts';
import { MODE_NAMES } from '../../src/scenario/schema.ts';

test('every mode a scenario may define is described once: roles, colour, a place in the comparison order', () => {
  assert.deepEqual(Object.keys(MODES).sort(), [...MODE_NAMES].sort());
  assert.deepEqual([...MODE_ORDER].sort(), [...MODE_NAMES].sort(), 'each mode once in the comparison order');
  const colors = MODE_NAMES.map((m) => MODES[m].color);
  assert.equal(new Set(colors).size, colors.length, 'a colour per mode');
  for (const m of MODE_NAMES) assert.ok(MODES[m].roles.includes('trainer'), `${m} trains`);
  assert.deepEqual(MODE_NAMES.filter(hasServer), ['server']);
});

test("device accounts follow each mode's descriptor: the server's devices first, training devices are the trainers'", () => {
  const { scenario } = parseScenario(
    `name: t\nworkload: trl\nmodel: preset:tiny\nmodes:\n  server: { devices: { server: 2, trainer: [5, 6] } }\n  colocate: { devices: 3 }\n  hf: { devices: [1, 3] }\n`,
    't.yaml',
  );
  assert.deepEqual(accountDevices(scenario, 'server', 'cuda', 8), {
    kind: 'cuda',
    allocated: [0, 1, 5, 6],
    training: [5, 6],
    server: [0, 1],
  });
  assert.deepEqual(accountDevices(scenario, 'colocate', 'cuda', 8), {
    kind: 'cuda',
    allocated: [0, 1, 2],
    training: [0, 1, 2],
    server: [],
  });
  assert.deepEqual(accountDevices(scenario, 'hf', 'cpu', 0), { kind: 'cpu', allocated: [0, 1], training: [0, 1], server: [] });
});

test("a server-mode trainer's generate is waiting, not work; a name this harness does not know is shown as it is, in grey", () => {
  assert.deepEqual(waitingPhases('server', 'trainer'), ['generate']);
  assert.deepEqual(waitingPhases('colocate', 'trainer'), []);
  assert.deepEqual(waitingPhases('disaggregated', 'trainer'), []);
  assert.equal(modeDisplayName('disaggregated'), 'disaggregated');
  assert.equal(modeColor('disaggregated'), '#7a7f8c');
  assert.equal(modeColor('server'), MODES.server.color);
});
