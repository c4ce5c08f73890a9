import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '@marketpipe/testkit';
import { ROOT, collectorEnv } from './deploy-kit';

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

const dockerfile = instructions(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const lastStage = dockerfile.slice(dockerfile.findLastIndex((i) => i.op === 'FROM'));
const only = (op: string) => {
  const found = lastStage.filter((i) => i.op === op);
  expect(found, op).toHaveLength(1);
  return found[0]!.args;
};
/** exec form only: `["node", …]`, the argv Docker runs without a shell */
const argv = (json: string) => JSON.parse(json) as string[];

/**
 * There is no container engine on the machines this runs on, so the image itself is never
 * built here. What is tested: the Dockerfile's shape, and its exact CMD and HEALTHCHECK
 * command lines run outside a container, from the repository root (the image's /app has the
 * same layout), with the image's ENV, on Node 24 as in node:24-bookworm-slim.
 */
describe('the Dockerfile', () => {
  it('builds on Node 24, installs without dev dependencies, runs as a non-root user', () => {
    expect(dockerfile.filter((i) => i.op === 'FROM').map((i) => i.args.split(' ')[0])).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim']);
    expect(dockerfile.find((i) => i.op === 'RUN' && i.args.startsWith('npm ci'))?.args).toMatch(/--omit=dev/);
    expect(only('USER')).toBe('node');
    expect(only('WORKDIR')).toBe('/app');
    for (const copy of dockerfile.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
      for (const source of copy.args.split(' ').slice(0, -1)) expect(existsSync(join(ROOT, source)), `COPY ${source}`).toBe(true);
    }
    expect(readFileSync(join(ROOT, '.dockerignore'), 'utf8')).toMatch(/^\*\*\/node_modules$/m);
  });

  describe('CMD and HEALTHCHECK, run as written', () => {
    let collector: ReturnType<typeof spawn> | undefined;
    afterAll(() => void collector?.kill('SIGKILL'));

    it('the health check fails until the collector is ready, passes while it runs, and SIGTERM stops it gracefully', async () => {
      const cmd = argv(only('CMD'));
      const health = argv(only('HEALTHCHECK').replace(/^(--\S+\s+)*CMD\s+/, ''));
      const imageEnv = Object.fromEntries(lastStage.filter((i) => i.op === 'ENV').map((i) => i.args.split('=') as [string, string]));
      expect(cmd[0]).toBe('node');
      expect(health[0]).toBe('node');
      const { env: ownEnv } = await collectorEnv(inject('redisUrl'), { SIM_SPEED: '60', BACKFILL_HOURS: '1' });
      // `node` on PATH is this Node 24, as in the image
      const env = { ...ownEnv, ...imageEnv, PATH: `${dirname(process.execPath)}:${ownEnv.PATH}` };
      const check = () => spawnSync(health[0]!, health.slice(1), { env, cwd: ROOT, timeout: 5_000 }).status;

      expect(check(), 'nothing listening yet').not.toBe(0);
      collector = spawn(cmd[0]!, cmd.slice(1), { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      collector.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      collector.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => collector!.once('exit', (code) => resolve(code)));

      await eventually(() => expect(check(), output).toBe(0), { timeoutMs: 30_000, intervalMs: 250 });
      const stoppingAt = Date.now();
      collector.kill('SIGTERM');
      expect(await exited, output).toBe(0);
      expect(Date.now() - stoppingAt, 'within docker stop’s 10 s grace').toBeLessThan(10_000);
      expect(output).toContain('"msg":"collector stopped"');
      expect(check(), 'stopped').not.toBe(0);
    });
  });
});
