import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { prng, startPrivateRedis } from '@marketpipe/testkit';
import { createClient as createLibsql } from '@libsql/client';
import type { Bar } from '@marketpipe/core';
import { LibsqlHistoryStore } from '../../src/history/libsql-history-store';
import { CollectorProcess, SYMBOLS, barKey, collectorEnv, holes, iso, readHistory, windowReader } from './chaos-kit';

/**
 * kill -9 at random moments, restart, repeat; then a clean stop. The record (libSQL) must end up
 * holding every final bar the cache (the Redis window) ever showed, once each, with no in-session
 * hole. Since the sim feed is deterministic, a restart re-fetches whatever history lacks and
 * would hide a broken Redis → history recovery; so each restart is also checked to restore
 * exactly the bars that only Redis held when the previous process died.
 */
const KILLS = 20;
const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RESTORED = 'restored final bars from the Redis window into history';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

describe('collector process under SIGKILL', () => {
  it(`keeps every final bar Redis showed across ${KILLS} kill -9 and restarts`, { timeout: 180_000 }, async () => {
    console.log(`[chaos] sigkill seed=${SEED} (replay with CHAOS_SEED=${SEED})`);
    const rand = prng(SEED);
    const redis = await startPrivateRedis();
    const dir = mkdtempSync(join(tmpdir(), 'marketpipe-chaos-'));
    const dbUrl = `file:${join(dir, 'history.db')}`;
    const prefix = `chaos:${randomUUID().slice(0, 8)}:`;
    const env = collectorEnv({ redisUrl: redis.url, prefix, dbUrl });
    const reader = await windowReader(redis.url, prefix);

    // Every final bar the window ever held, as first seen; a final bar whose bytes later change is a finding too.
    const seen = new Map<string, Bar>();
    const rewritten: string[] = [];
    const observe = async () => {
      for (const bars of (await reader.finals()).values()) {
        for (const bar of bars) {
          const prev = seen.get(barKey(bar));
          if (!prev) seen.set(barKey(bar), bar);
          else if (!isDeepStrictEqual(prev, bar)) rewritten.push(`${barKey(bar)} ${iso(bar.ts)}: ${JSON.stringify(prev)} -> ${JSON.stringify(bar)}`);
        }
      }
    };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await observe();
        await sleep(250);
      }
    })();

    let proc: CollectorProcess | undefined;
    const phases = { startup: 0, running: 0 };
    let recoveriesChecked = 0;
    let barsRestored = 0;
    try {
      /** bars the next start must copy from Redis into history (null: not known yet) */
      let mustRestore: number | null = null;
      /** Recovery of the process that just ended restored exactly what only Redis held, if it got that far. */
      const checkRecovery = (p: CollectorProcess) => {
        const line = p.find(RESTORED);
        const started = p.find('collector started') !== undefined;
        if (mustRestore === null || (!line && !started)) return;
        expect(line?.restored ?? 0, `restart after a kill restores the bars only Redis held:\n${p.output}`).toBe(mustRestore);
        recoveriesChecked++;
        barsRestored += mustRestore;
      };

      for (let i = 1; i <= KILLS; i++) {
        // Half the kills land 0.5–4 s after spawn (start-up: module loading, recovery, refill,
        // backfill), half 0.5–4 s after 'collector started' (the live loop, flushes, Redis writes).
        const afterStart = rand() < 0.5;
        const delay = 500 + rand() * 3_500;
        proc = new CollectorProcess(env);
        if (afterStart) await proc.waitForLog('collector started', 30_000);
        await Promise.race([sleep(delay), proc.exited]);
        if (proc.exit) throw new Error(`collector ended by itself before kill ${i}: ${JSON.stringify(proc.exit)}\n${proc.output}`);
        const exit = await proc.kill('SIGKILL');
        expect(exit.signal, proc.output).toBe('SIGKILL');
        const started = proc.find('collector started') !== undefined;
        phases[started ? 'running' : 'startup']++;
        checkRecovery(proc);

        // Nothing runs until the next spawn: what Redis holds beyond history's newest bar is
        // exactly what the next start's recoverFromWindow must write back.
        await observe();
        const [inRedis, inHistory] = await Promise.all([reader.finals(), readHistory(dbUrl)]);
        mustRestore = 0;
        for (const symbol of SYMBOLS) {
          const last = inHistory.get(symbol)?.at(-1)?.ts ?? -1;
          mustRestore += (inRedis.get(symbol) ?? []).filter((b) => b.ts > last).length;
        }
        const counts = SYMBOLS.map((s) => `${s} redis=${inRedis.get(s)?.length ?? 0} history=${inHistory.get(s)?.length ?? 0}`).join(', ');
        console.log(`[chaos] kill ${i}/${KILLS} after ${Math.round(delay)} ms (${afterStart ? 'from start' : 'from spawn'}, ${started ? 'running' : 'starting'}): ${counts}; only in Redis ${mustRestore}`);
      }

      // The survivor: one more start, a few seconds of the live loop, a graceful stop.
      proc = new CollectorProcess(env);
      await proc.waitForLog('collector started', 30_000);
      checkRecovery(proc);
      await sleep(3_000);
      await observe();
      const exit = await proc.kill('SIGTERM');
      expect(exit.code, proc.output).toBe(0);
      expect(proc.logs.at(-1)?.msg, proc.output).toBe('collector stopped');
      sampling = false;
      await sampler;
      await observe();
    } finally {
      sampling = false;
      if (proc && !proc.exit) await proc.kill('SIGKILL');
      await sampler.catch(() => undefined);
      await reader.close();
      await redis.stop();
    }

    // What the record holds now, read the way the API's history route does.
    const store = await LibsqlHistoryStore.open({ url: dbUrl });
    const history = new Map<string, Bar[]>();
    try {
      for (const symbol of SYMBOLS) history.set(symbol, await store.range(symbol, 0, Number.MAX_SAFE_INTEGER));
    } finally {
      await store.close();
    }
    const raw = createLibsql({ url: dbUrl });
    const dupRows = await raw.execute('SELECT symbol, interval, ts, COUNT(*) AS n FROM bars GROUP BY symbol, interval, ts HAVING n > 1');
    raw.close();
    rmSync(dir, { recursive: true, force: true });

    const byKey = new Map<string, Bar>();
    for (const bars of history.values()) for (const b of bars) byKey.set(barKey(b), b);
    const missing: string[] = [];
    for (const [key, bar] of seen) {
      const stored = byKey.get(key);
      if (!stored) missing.push(`${key} ${iso(bar.ts)} not in history`);
      else if (!isDeepStrictEqual(stored, bar)) missing.push(`${key} ${iso(bar.ts)}: redis ${JSON.stringify(bar)} history ${JSON.stringify(stored)}`);
    }
    const unordered: string[] = [];
    const gaps: string[] = [];
    for (const [symbol, bars] of history) {
      for (let j = 1; j < bars.length; j++) if (bars[j]!.ts <= bars[j - 1]!.ts) unordered.push(`${symbol} ${iso(bars[j]!.ts)} after ${iso(bars[j - 1]!.ts)}`);
      for (const ts of holes(symbol, bars)) gaps.push(`${symbol} ${iso(ts)}`);
    }
    const total = [...history.values()].reduce((n, b) => n + b.length, 0);
    console.log(
      `[chaos] seed=${SEED}: kills survived ${KILLS} (${phases.startup} during start-up, ${phases.running} while running); ` +
        `recoveries checked ${recoveriesChecked} restoring ${barsRestored} bars; bars compared ${seen.size} (history holds ${total}); ` +
        `missing/different ${missing.length}, holes ${gaps.length}, duplicates ${dupRows.rows.length + unordered.length}, rewritten in Redis ${rewritten.length}`,
    );

    expect(seen.size, 'the window showed bars to compare').toBeGreaterThan(3 * 120);
    expect(missing.slice(0, 10), `${missing.length} final bars Redis held are missing from history or differ`).toEqual([]);
    expect(dupRows.rows, 'duplicate (symbol, interval, ts) rows').toEqual([]);
    expect(unordered.slice(0, 10), 'ts strictly increasing per symbol').toEqual([]);
    expect(gaps.slice(0, 10), `${gaps.length} in-session minutes missing inside the run`).toEqual([]);
    expect(rewritten.slice(0, 10), 'a final bar in the window changed its values').toEqual([]);
  });
});
