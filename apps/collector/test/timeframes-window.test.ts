import { describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Resampler, decodeBar, decodeFeatures, redisKeys, systemClock, type Bar } from '@marketpipe/core';
import { TimeframeEngines } from '../src/features/timeframe-stage';
import { createBinaryRedisClient } from '../src/redis/client';
import { BAR_WINDOW, RedisBarWindow, TRIM_EVERY } from '../src/redis/redis-bar-window';
import { WindowReplicator } from '../src/redis/window-replicator';
import { CollectorMetrics } from '../src/metrics';
import type { CycleWrite, HigherInterval } from '../src/ports';
import { MemoryHistory } from './fakes/memory-stores';
import { silentLogger } from './helpers';
import { NAS100, nq1m } from './timeframes-fixtures';

const ALL: HigherInterval[] = ['5m', '15m', '30m', '1h', '4h', '1d'];
const nq = nq1m();
const write = (w: Partial<CycleWrite>): CycleWrite => ({ forming: [], finals: [], features: new Map(), signals: new Map(), seen: { symbols: [], at: 0 }, ...w });

async function rig() {
  const client = createBinaryRedisClient(inject('redisUrl'));
  await client.connect();
  const keys = redisKeys(`test:${randomUUID().slice(0, 8)}:`);
  return { client, keys, window: new RedisBarWindow(client, keys), close: () => client.quit() };
}

describe('RedisBarWindow: the higher timeframes under their own keys, in the cycle’s one pipeline', () => {
  it('writes bars, forming bars, features, signals and states per interval and leaves the 1m keys alone', async () => {
    const { client, keys, window, close } = await rig();
    try {
      const [a, b] = Resampler.series(nq.slice(0, 10), { interval: '5m', session: NAS100.session });
      const forming = { ...b!, final: false };
      const trips = window.roundTrips;
      await window.writeCycle(write({
        higher: new Map([['5m', { finals: [a!], forming: [forming], features: new Map([['NAS100', Buffer.from('f5')]]), signals: new Map([['NAS100', Buffer.from('s5')]]), states: new Map([['NAS100', Buffer.from('st5')]]) }]]),
      }));
      expect(window.roundTrips - trips).toBe(1);
      expect(await window.finals('NAS100', 0, Number.MAX_SAFE_INTEGER, '5m')).toEqual([a]);
      expect(await window.forming('NAS100', '5m')).toEqual(forming);
      expect((await client.hGet('' + keys.featuresOf('5m'), 'NAS100'))?.toString()).toBe('f5');
      expect((await client.hGet(keys.signalsOf('5m'), 'NAS100'))?.toString()).toBe('s5');
      expect((await window.loadStates(['NAS100'], '5m')).get('NAS100')?.toString()).toBe('st5');
      for (const key of [keys.forming, keys.features, keys.signals, keys.state, keys.bars('NAS100')]) expect(await client.exists(key), key).toBe(0);
    } finally {
      await close();
    }
  });

  it('upserts by ts: a correction, or a bar another process wrote, replaces the member at its ts', async () => {
    const { client, keys, window, close } = await rig();
    try {
      const [a, b] = nq;
      await window.writeCycle(write({ finals: [a!, b!] }));
      const corrected = { ...a!, close: a!.close + 1 };
      await window.writeCycle(write({ finals: [corrected] }));
      // a restarted collector knows nothing of what is there: its first write to a key removes too
      const restarted = new RedisBarWindow(client, keys);
      const again = { ...b!, volume: b!.volume + 5 };
      await restarted.writeCycle(write({ finals: [again] }));
      expect(await window.finals(a!.symbol)).toEqual([corrected, again]);
    } finally {
      await close();
    }
  });

  it('counts every cycle write in the version key, so a reader learns of a change from one small reply', async () => {
    const { client, keys, window, close } = await rig();
    try {
      expect(await client.get(keys.version)).toBeNull();
      await window.writeCycle(write({ seen: { symbols: ['NAS100'], at: 1 } }));
      await window.writeCycle(write({ signals: new Map([['NAS100', Buffer.from('s')]]) }));
      expect((await client.get(keys.version))?.toString()).toBe('2');
    } finally {
      await close();
    }
  });

  it('keeps the last BAR_WINDOW bars of each interval (trimmed every TRIM_EVERY adds), like the 1m window', async () => {
    const { client, keys, window, close } = await rig();
    try {
      const base = nq[0]!;
      const finals: Bar[] = Array.from({ length: BAR_WINDOW + 3 * TRIM_EVERY }, (_, i) => ({ ...base, interval: '1h', ts: base.ts + i * 3_600_000 }));
      await window.writeCycle(write({ higher: new Map([['1h', { finals, forming: [], features: new Map(), signals: new Map() }]]) }));
      const held = await client.zCard(keys.bars('NAS100', '1h'));
      expect(held).toBeGreaterThanOrEqual(BAR_WINDOW);
      expect(held).toBeLessThan(BAR_WINDOW + TRIM_EVERY);
      // what goes is always the oldest: the newest bar is the last one added, the oldest held follows those trimmed
      expect(decodeBar((await client.zRange(keys.bars('NAS100', '1h'), -1, -1))[0]!).ts).toBe(finals.at(-1)!.ts);
      expect(decodeBar((await client.zRange(keys.bars('NAS100', '1h'), 0, 0))[0]!).ts).toBe(finals[finals.length - held]!.ts);
    } finally {
      await close();
    }
  });
});

describe('WindowReplicator refills the higher timeframes from 1m history', () => {
  const expected = (iv: HigherInterval) => Resampler.series(nq, { interval: iv, session: NAS100.session }).filter((b) => b.final).slice(-BAR_WINDOW);

  async function replicatorRig() {
    const r = await rig();
    const history = new MemoryHistory();
    history.add(nq);
    await history.flush();
    const timeframes = new TimeframeEngines([NAS100], { barIntervals: ALL, featureIntervals: ['5m', '1h'] });
    const replicator = new WindowReplicator({
      window: r.window, history, specs: [NAS100], metrics: new CollectorMetrics(), logger: silentLogger(), wall: systemClock,
      windowBars: BAR_WINDOW, timeframes, retentionMs: 90 * 86_400_000, refillChunk: 500,
    });
    return { ...r, history, replicator, timeframes };
  }

  it('an empty window gets every interval’s final bars, resampled from history', async () => {
    const { window, replicator, close } = await replicatorRig();
    try {
      const refilled = await replicator.refill();
      for (const iv of ALL) expect(await window.finals('NAS100', 0, Number.MAX_SAFE_INTEGER, iv), iv).toEqual(expected(iv));
      expect(refilled, "the 1m window and every higher one").toBe(BAR_WINDOW + ALL.reduce((n, iv) => n + expected(iv).length, 0));
      expect(await replicator.refill(), 'a second pass finds nothing missing').toBe(0);
    } finally {
      await close();
    }
  });

  it('history filled in further back later (a bootstrap): the window gets the older bars too, its cut-short oldest bucket made whole', async () => {
    const { window, history, replicator, close } = await replicatorRig();
    try {
      // Start over with only the last two days in history, as a fresh deployment would have.
      const recent = new MemoryHistory();
      recent.add(nq.slice(-2_500));
      await recent.flush();
      const fresh = new WindowReplicator({
        window, history: recent, specs: [NAS100], metrics: new CollectorMetrics(), logger: silentLogger(), wall: systemClock,
        windowBars: BAR_WINDOW, timeframes: new TimeframeEngines([NAS100], { barIntervals: ALL, featureIntervals: [] }), retentionMs: 90 * 86_400_000,
      });
      await fresh.refill();
      const firstHourBefore = (await window.finals('NAS100', 0, Number.MAX_SAFE_INTEGER, '1h'))[0]!;
      expect(firstHourBefore.ts).toBeGreaterThan(expected('1h')[0]!.ts);
      // Then the full two weeks are in history (the replicator over it is the rig's).
      await replicator.refill();
      for (const iv of ALL) expect(await window.finals('NAS100', 0, Number.MAX_SAFE_INTEGER, iv), iv).toEqual(expected(iv));
      expect(history.stored.get('NAS100')!.size).toBe(nq.length);
    } finally {
      await close();
    }
  });

  it('after an outage: the bars the window missed, and the forming bars, features and engine states the stage shows now', async () => {
    const { client, keys, window, replicator, timeframes, close } = await replicatorRig();
    try {
      await replicator.refill();
      // The window lost its newest 5m and 1d bars (they were written while Redis was down).
      await client.zRemRangeByRank(keys.bars('NAS100', '5m'), -40, -1);
      await client.zRemRangeByRank(keys.bars('NAS100', '1d'), -3, -1);
      replicator.markDown(new Error('ECONNRESET (scripted)'));
      // A cycle during the outage: the stage shows a new forming bar, its write is skipped.
      const last = nq.at(-1)!;
      const forming1m: Bar = { ...last, ts: last.ts + 60_000, close: last.close + 3, final: false };
      timeframes.update(NAS100, [], forming1m, Date.now());
      const skipped = await replicator.write(write({ higher: timeframes.take(false) }));
      expect(skipped).toBe(false);
      await replicator.recover();
      expect(replicator.up).toBe(true);
      for (const iv of ['5m', '1d'] as const) expect(await window.finals('NAS100', 0, Number.MAX_SAFE_INTEGER, iv), iv).toEqual(expected(iv));
      const shown = timeframes.slots('NAS100')!.find((s) => s.interval === '5m')!.current!;
      expect(shown.close).toBe(forming1m.close);
      expect(await window.forming('NAS100', '5m')).toEqual(shown);
      const features = decodeFeatures((await client.hGet(keys.featuresOf('5m'), 'NAS100'))!);
      expect([features.ts, features.close, features.final]).toEqual([shown.ts, shown.close, false]);
      expect(await client.hExists(keys.featuresOf('15m'), 'NAS100'), 'no features where none are computed').toBe(0);
      expect([...(await window.loadStates(['NAS100'], '1h')).keys()], 'engine states of the feature intervals').toEqual(['NAS100']);
    } finally {
      await close();
    }
  });
});
