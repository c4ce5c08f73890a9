import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventually, startPrivateRedis } from '@marketpipe/testkit';
import { ConfigSchema } from '../../src/config';
import { shareOf } from '../../src/shard/rendezvous';
import { CollectorProcess } from '../chaos/chaos-kit';
import { MINUTE, heldTwice, historyFaults, observer, overlapAndMissing, shardSymbols, type Sample } from './shard-kit';

/**
 * Three `marketpipe run` processes in SHARD_MODE=lease over 30 symbols (sim feed at real speed,
 * so the three market clocks agree), one private Redis, one libSQL file. kill -9 of one: the
 * others collect its symbols within 3 s, per their heartbeats and md:v1:seen; SIGSTOP of another
 * past its leases, then SIGCONT: its symbols move and come back without a stale write; the
 * killed one restarted takes its share back. History ends with no hole and no duplicate.
 */
const IDS = ['a', 'b', 'c'] as const;
/** the default: the test runs what operators get */
const LEASE_TTL_MS = ConfigSchema.parse({}).LEASE_TTL_MS;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

describe('collectors sharing symbols by leases', () => {
  it('takes over a killed collector’s symbols within 3 s, survives a pause without a stale write, and rebalances on restart', { timeout: 240_000 }, async () => {
    const redis = await startPrivateRedis();
    const dir = mkdtempSync(join(tmpdir(), 'marketpipe-shard-'));
    const dbUrl = `file:${join(dir, 'history.db')}`;
    const prefix = `shard:${randomUUID().slice(0, 8)}:`;
    const { specs, file } = shardSymbols(dir, 30);
    const symbols = specs.map((s) => s.symbol);
    const env = (id: string) => ({
      PROVIDERS: 'sim',
      SYMBOLS: symbols.join(','),
      SYMBOLS_FILE: file,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      DATABASE_URL: dbUrl,
      SHARD_MODE: 'lease',
      BACKFILL_HOURS: '0',
      BOOTSTRAP_ON_RUN: 'false',
      HISTORY_FLUSH_MS: '5000',
      COLLECTOR_PORT: '0',
      COLLECTOR_ID: id,
      LOG_LEVEL: 'info',
    });
    // The first one creates the database (its migrations); the others join it running.
    const procs = new Map<string, CollectorProcess>([['a', new CollectorProcess(env('a'))]]);
    await procs.get('a')!.waitForLog('collector started', 60_000);
    for (const id of ['b', 'c']) procs.set(id, new CollectorProcess(env(id)));
    // a heartbeat is rewritten every cycle (1 s): one older than two cycles is a collector gone
    const watch = await observer(redis.url, prefix, IDS, 2_000);
    const balanced = async (ids: readonly string[]) =>
      eventually(async () => {
        const s = await watch.sample();
        expect(overlapAndMissing(s, symbols)).toEqual({ twice: [], missing: [] });
        for (const id of ids) expect([...(s.live.get(id) ?? [])].sort(), `${id} holds its rendezvous share`).toEqual(shareOf(id, specs, [...ids]).map((x) => x.symbol).sort());
        return s;
      }, { timeoutMs: 60_000, intervalMs: 100 });
    // Sampled throughout: no symbol may be held by two collectors across a cycle.
    const doubles: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      let prev = await watch.sample();
      while (sampling) {
        await sleep(100);
        const cur = await watch.sample();
        const twice = heldTwice(prev, cur);
        if (twice.length > 0) doubles.push(`${new Date(cur.at).toISOString()}: ${twice.join(', ')}`);
        prev = cur;
      }
    })();

    try {
      await balanced(IDS);

      // kill -9 c: a and b list its symbols, and md:v1:seen shows them polled after the kill
      const cShare = shareOf('c', specs, [...IDS]).map((s) => s.symbol);
      const killedAt = Date.now();
      await procs.get('c')!.kill('SIGKILL');
      const takenOver = await eventually(async () => {
        const s: Sample = await watch.sample();
        for (const sym of cShare) {
          expect([...s.live.get('a') ?? [], ...s.live.get('b') ?? []]).toContain(sym);
          expect(s.seen.get(sym)).toBeGreaterThan(killedAt);
        }
        return s.at;
      }, { timeoutMs: 10_000, intervalMs: 50 });
      const takeoverMs = takenOver - killedAt;
      console.log(`[shard] takeover of ${cShare.length} symbols after kill -9: ${takeoverMs} ms (lease TTL ${LEASE_TTL_MS} ms)`);
      expect(takeoverMs).toBeLessThanOrEqual(3_000);
      await balanced(['a', 'b']);
      const handoversAfterKill = (await watch.handovers()).filter((h) => h.at > killedAt);
      expect(handoversAfterKill.filter((h) => h.to === 'c')).toEqual([]);
      expect(handoversAfterKill.map((h) => h.symbol).sort()).toEqual([...cShare].sort());

      // SIGSTOP b past its leases: a takes b's symbols; SIGCONT: b finds them gone, then gets them back
      const b = procs.get('b')!;
      const bShare = shareOf('b', specs, ['a', 'b']).map((s) => s.symbol);
      b.child.kill('SIGSTOP');
      const stoppedAt = Date.now();
      await eventually(async () => expect((await watch.sample()).live.get('a')).toHaveLength(30), { timeoutMs: 10_000, intervalMs: 50 });
      await sleep(stoppedAt + 2 * LEASE_TTL_MS - Date.now());
      const resumedAt = Date.now();
      b.child.kill('SIGCONT');
      await balanced(['a', 'b']);
      // a stale write by b would show as a→b, then b→a again as a wrote on: each symbol changes writer at most once after the resume
      const afterResume = (await watch.handovers()).filter((h) => h.at >= resumedAt);
      const changes = new Map<string, string[]>();
      for (const h of afterResume) changes.set(h.symbol, [...(changes.get(h.symbol) ?? []), `${h.from}->${h.to}`]);
      for (const [symbol, list] of changes) expect(list, symbol).toEqual(['a->b']);
      expect([...changes.keys()].sort()).toEqual([...bShare].sort());

      // c restarted: the shares are the three-way rendezvous split again
      procs.set('c', new CollectorProcess(env('c')));
      await balanced(IDS);

      // run past a minute boundary so every symbol has finals from after the moves
      const boundary = Math.ceil(Date.now() / MINUTE) * MINUTE;
      await sleep(boundary + 3_000 - Date.now());
      sampling = false;
      await sampler;
      await Promise.all([...procs.values()].map((p) => p.kill('SIGTERM')));
      expect(doubles, 'symbols held by two collectors at once').toEqual([]);
      const history = await historyFaults(dbUrl, specs);
      expect(history.duplicates).toEqual([]);
      expect(history.holes).toEqual([]);
      for (const symbol of symbols) expect(history.lastTs.get(symbol), symbol).toBeGreaterThanOrEqual(boundary - MINUTE);
    } catch (error) {
      for (const [id, p] of procs) console.log(`[shard] ${id}:\n${p.output.split('\n').filter((l) => /error|shard|exit/i.test(l)).slice(-25).join('\n')}`);
      throw error;
    } finally {
      sampling = false;
      await sampler;
      for (const p of procs.values()) {
        p.child.kill('SIGCONT');
        await p.kill('SIGKILL');
      }
      await watch.close();
      await redis.stop();
    }
  });
});
