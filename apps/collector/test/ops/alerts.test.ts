import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const OPS = fileURLToPath(new URL('../../../../ops/', import.meta.url));
const rules = readFileSync(`${OPS}alerts.yml`, 'utf8');
const cases = readFileSync(`${OPS}alerts.test.yml`, 'utf8');
/** Each rule's text, from its `- alert:` line to the next one. */
const alerts = rules.split(/^\s+- alert: /m).slice(1).map((block) => ({ name: block.split('\n')[0]!.trim(), block }));

it('every alert says what to do, and has a promtool case', () => {
  expect(alerts.length).toBeGreaterThanOrEqual(9);
  for (const { name, block } of alerts) {
    expect(block, `${name}: summary`).toMatch(/^\s+summary: \S/m);
    expect(block, `${name}: description`).toMatch(/^\s+description: \S/m);
    expect(cases, `${name}: no case in ops/alerts.test.yml`).toContain(`alertname: ${name}\n`);
  }
});

it('promtool test rules ops/alerts.test.yml passes: each alert fires on its series and stays silent on the others', () => {
  const run = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: OPS, encoding: 'utf8', timeout: 30_000 });
  if (run.error) throw new Error(`cannot run promtool (apt-get install prometheus): ${run.error.message}`);
  const output = `${run.stdout}${run.stderr}`;
  expect(run.status, output).toBe(0);
  expect(output).toContain('SUCCESS');
});
