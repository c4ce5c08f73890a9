import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createClient } from '@libsql/client';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { eventually } from '@marketpipe/testkit';
import { startCollector, type RunningCollector } from '../src/collector';
import { openStores, testConfig } from './helpers';
import { capturingLogger } from './log-capture';

const MINUTE = 60_000;
const STALL_MS = 20_000;

/** A way to make the history database refuse writes; returns how to end it. */
type Fault = (path: string, url: string) => Promise<() => Promise<void>>;

const faults: Record<string, Fault> = {
  // Tests run as root, which ignores permission bits: `chattr +i` refuses writes even through
  // descriptors already open, as a read-only remount or a full disk would.
  'made read-only (immutable file and WAL)': async (path) => {
    const files = [path, `${path}-wal`].filter((f) => existsSync(f));
    for (const f of files) execFileSync('chattr', ['+i', f]);
    return async () => {
      for (const f of files) execFileSync('chattr', ['-i', f]);
    };
  },
  // Another writer holding the lock: a backup, a forgotten sqlite3 shell, a second process.
  'locked by another connection': async (_path, url) => {
    const locker = createClient({ url });
    const lock = await locker.transaction('write');
    return async () => {
      await lock.rollback();
      locker.close();
    };
  },
};

describe.each(Object.entries(faults))('history database %s for 20 s', (_name, fault) => {
  let c: RunningCollector | undefined;
  let end: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await end?.();
    await c?.stop();
  });

  it('keeps every bar buffered, reports it on /ready, and writes them all once it can', async () => {
    const log = capturingLogger();
    const config = testConfig(inject('redisUrl'), { SIM_SPEED: '120', BACKFILL_HOURS: '1', HISTORY_FLUSH_MS: '1000' });
    c = await startCollector(config, { logger: log.logger, healthServer: false });
    await eventually(async () => expect(c!.ready().ready).toBe(true), { timeoutMs: 10_000 });

    end = await fault(config.DATABASE_URL.slice('file:'.length), config.DATABASE_URL);
    const stalledAt = c.clock.now();
    await eventually(async () => expect(c!.ready().reasons.join()).toMatch(/history writes failing/), { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, STALL_MS));
    const pendingDuring = c.history.pending;
    expect(pendingDuring, 'the buffer held the stall’s bars').toBeGreaterThanOrEqual(3 * 30);
    expect(c.ready().ready).toBe(false);
    // A flush that waited on the lock (5 s busy timeout) skipped ~5 ticks per attempt; one late timer on a busy machine is not that.
    expect((await c.metrics.overruns.get()).values[0]?.value ?? 0, 'a failing database never stalls the loop').toBeLessThanOrEqual(2);
    await end();
    end = undefined;

    await eventually(async () => expect(c!.history.pending).toBeLessThan(10), { timeoutMs: 15_000, intervalMs: 100 });
    await eventually(async () => expect(c!.ready().ready).toBe(true), { timeoutMs: 5_000 });
    await c.stop();

    expect(log.find('history flush failed'), 'one line when writes start failing').toHaveLength(1);
    expect(log.find('history writable again')).toHaveLength(1);
    const stores = await openStores(config);
    try {
      for (const spec of c.specs) {
        const history = await stores.history.range(spec.symbol, 0, Number.MAX_SAFE_INTEGER);
        for (let i = 1; i < history.length; i++) expect(history[i]!.ts - history[i - 1]!.ts, `${spec.symbol} has no hole`).toBe(MINUTE);
        expect(history.at(-1)!.ts - stalledAt, 'history runs through the stall').toBeGreaterThan(STALL_MS * 120 * 0.8);
        const window = await stores.window.finals(spec.symbol);
        const byTs = new Map(history.map((b) => [b.ts, b]));
        for (const bar of window) expect(byTs.get(bar.ts), `${spec.symbol} ${bar.ts} in history`).toEqual(bar);
      }
    } finally {
      await stores.close();
    }
    console.info(`history unwritable ${STALL_MS} ms: ${pendingDuring} bars buffered, all written after`);
  }, 90_000);
});
