import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_ENV, removeDemoEnv, withDemoRedis, writeDemoEnv } from './demo-env';

function demoDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'marketpipe-demo-env-'));
  mkdirSync(join(dir, 'data'));
  return dir;
}

describe('data/demo.env', () => {
  it('gives a command without REDIS_URL the running demo’s Redis and prefix', async () => {
    const dir = demoDir();
    await writeDemoEnv(dir, 'redis://127.0.0.1:41234', 'demo:');
    expect(withDemoRedis({ LOG_LEVEL: 'info' }, dir)).toEqual({
      env: { LOG_LEVEL: 'info', REDIS_URL: 'redis://127.0.0.1:41234', REDIS_PREFIX: 'demo:' },
      from: DEMO_ENV,
    });
    expect(withDemoRedis({ REDIS_PREFIX: 'mine:' }, dir).env.REDIS_PREFIX, 'a prefix set by the user wins').toBe('mine:');
  });

  it('is ignored when REDIS_URL is set, when the demo is gone, and once removed', async () => {
    const dir = demoDir();
    await writeDemoEnv(dir, 'redis://127.0.0.1:41234', undefined);
    expect(withDemoRedis({ REDIS_URL: 'redis://elsewhere:6379' }, dir)).toEqual({ env: { REDIS_URL: 'redis://elsewhere:6379' } });
    await removeDemoEnv(dir);
    expect(withDemoRedis({}, dir)).toEqual({ env: {} });

    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(join(dir, DEMO_ENV), `REDIS_URL=redis://127.0.0.1:41234\nDEMO_PID=${gone}\n`);
    expect(withDemoRedis({}, dir), 'a file left by a killed demo').toEqual({ env: {} });
  });
});
