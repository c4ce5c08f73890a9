import { afterAll, describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { RESP_TYPES, createClient } from 'redis';
import { redisKeys, type Bar, type RedisKeys } from '@marketpipe/core';
import { TimeframeEngines, type TimeframeOptions } from '../src/features/timeframe-stage';
import { TimeframeThread } from '../src/features/timeframe-thread';
import { BarFeed, readFeed } from '../src/features/bar-feed';
import { createBinaryRedisClient } from '../src/redis/client';
import { RedisBarWindow } from '../src/redis/redis-bar-window';
import type { HigherWrites, TimeframeStage } from '../src/ports';
import { startCollector } from '../src/collector';
import { FeatureStage } from '../src/features/feature-stage';
import { warmTimeframes, withTimeframes } from '../src/features/timeframe-warm';
import { MemoryHistory } from './fakes/memory-stores';
import { NAS100, nq1m } from './timeframes-fixtures';
import { silentLogger, testConfig } from './helpers';

const options: TimeframeOptions = { barIntervals: ['5m', '15m', '30m', '1h', '4h', '1d'], featureIntervals: ['5m', '1h'] };
const nq = nq1m();
const XNAS = { ...NAS100, symbol: 'XNAS' };
/** the same minutes as a second symbol, at other prices: the thread keeps symbols apart */
const xnas = nq.map((b) => ({ ...b, symbol: 'XNAS', open: b.open / 2, high: b.high / 2, low: b.low / 2, close: b.close / 2 }));
const specs = [NAS100, XNAS];

describe('BarFeed', () => {
  it('carries finals and a forming bar per symbol, with every field, and provider names once', () => {
    const feed = new BarFeed();
    const forming: Bar = { ...nq[2]!, final: false, source: 'yahoo' };
    const filled: Bar = { ...nq[1]!, filled: true };
    feed.add(0, 1_000, [nq[0]!, filled], forming);
    feed.add(1, 1_001, [], { ...xnas[0]!, final: false });
    const first = feed.take();
    expect(first.sources).toEqual(['firstrate', 'yahoo']);
    const read = [...readFeed(first.data, ['NAS100', 'XNAS'], first.sources)];
    expect(read).toEqual([
      { index: 0, wallNow: 1_000, finals: [nq[0], filled], forming },
      { index: 1, wallNow: 1_001, finals: [], forming: { ...xnas[0], final: false } },
    ]);
    feed.add(0, 1_002, [nq[3]!], null);
    const second = feed.take();
    expect(second.sources, 'a name already sent is not sent again').toEqual([]);
    expect([...readFeed(second.data, ['NAS100'], first.sources)]).toEqual([{ index: 0, wallNow: 1_002, finals: [nq[3]], forming: null }]);
    expect(feed.take().data.length, 'a take empties the feed').toBe(0);
  });
});

/** Everything a stage's writes put in Redis under one prefix, keyed without it. */
async function dump(url: string, keys: RedisKeys, prefix: string): Promise<Map<string, unknown>> {
  const client = createClient({ url }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  await client.connect();
  try {
    const out = new Map<string, unknown>();
    for (const iv of options.barIntervals) {
      for (const key of [keys.formingOf(iv), keys.featuresOf(iv), keys.signalsOf(iv), keys.stateOf(iv)]) {
        const all = await client.hGetAll(key);
        out.set(key.slice(prefix.length), Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Buffer.from(v).toString('hex')])));
      }
      for (const spec of specs) {
        const key = keys.bars(spec.symbol, iv);
        out.set(key.slice(prefix.length), (await client.zRange(key, 0, -1)).map((m) => Buffer.from(m).toString('hex')));
      }
    }
    return out;
  } finally {
    client.destroy();
  }
}

describe('TimeframeThread against TimeframeEngines, through real Redis', () => {
  const url = inject('redisUrl');
  const clients: ReturnType<typeof createBinaryRedisClient>[] = [];
  const threads: TimeframeThread[] = [];
  afterAll(async () => {
    await Promise.all(threads.map((t) => t.close()));
    await Promise.all(clients.map((c) => c.quit()));
  });

  async function windowFor(stage: 'a' | 'b') {
    const prefix = `test:${randomUUID().slice(0, 8)}:${stage}:`;
    const client = createBinaryRedisClient(url);
    await client.connect();
    clients.push(client);
    return { prefix, window: new RedisBarWindow(client, redisKeys(prefix)) };
  }

  /** Minutes `from`..`to` fed as the live loop does: each second's forming bar, then the minute final, a take per step. */
  async function run(stage: TimeframeStage, window: RedisBarWindow, from: number, to: number): Promise<void> {
    for (let i = from; i < to; i++) {
      for (const [spec, bars] of [[NAS100, nq], [XNAS, xnas]] as const) {
        const bar = bars[i]!;
        stage.update(spec, [], { ...bar, final: false, close: bar.open }, bar.ts + 30_000);
        stage.update(spec, [bar], null, bar.ts + 60_000);
      }
      const states = i % 7 === 0 ? 3 : false;
      await window.writeCycle({ forming: [], finals: [], features: new Map(), signals: new Map(), seen: { symbols: [], at: 0 }, higher: await stage.take(states) });
    }
  }

  it('writes byte for byte what the in-process stage writes, started cold or from engines warmed in-process', async () => {
    const a = await windowFor('a');
    const b = await windowFor('b');
    const inProcess = new TimeframeEngines(specs, options);
    const warmed = new TimeframeEngines(specs, options);
    const half = 3_000;
    // The thread starts from an in-process stage halfway through a bucket of every interval, as after warmTimeframes.
    for (let i = 0; i < half; i++) {
      for (const [spec, bars] of [[NAS100, nq], [XNAS, xnas]] as const) {
        inProcess.update(spec, [bars[i]!], null, 0);
        warmed.update(spec, [bars[i]!], null, 0);
      }
    }
    inProcess.take(false);
    warmed.take(false);
    const thread = await TimeframeThread.start(specs, options, b.prefix, { url, timeoutMs: 2_000 }, warmed);
    threads.push(thread);
    await run(inProcess, a.window, half, half + 1_500);
    await run(thread, b.window, half, half + 1_500);
    const [got, want] = await Promise.all([dump(url, b.window.keys, b.prefix), dump(url, a.window.keys, a.prefix)]);
    expect([...want.values()].filter((v) => (Array.isArray(v) ? v.length : Object.keys(v as object).length) > 0).length, 'the run wrote something to compare').toBeGreaterThan(20);
    expect(got).toEqual(want);
    const latest = [await thread.latest(1), inProcess.latest(1)];
    expect(latest[0]).toEqual(latest[1]);
    expect(await thread.allStates()).toEqual(inProcess.allStates());
  });

  it('a rewarm (withTimeframes) resets a symbol in the thread and loads what was warmed in-process from history', async () => {
    const { prefix } = await windowFor('b');
    const thread = await TimeframeThread.start(specs, options, prefix, { url, timeoutMs: 2_000 }, new TimeframeEngines(specs, options));
    threads.push(thread);
    const history = new MemoryHistory();
    history.add(nq.slice(0, 4_000));
    await history.flush();
    await run(thread, (await windowFor('b')).window, 0, 50);
    const rewarm = withTimeframes(new FeatureStage([NAS100]), thread, 90 * 86_400_000);
    rewarm.reset(NAS100);
    await rewarm.warm([NAS100], history, null, silentLogger());
    const inProcess = new TimeframeEngines([NAS100], options);
    await warmTimeframes(inProcess, [NAS100], history, null, silentLogger(), 90 * 86_400_000);
    const states = (w: HigherWrites) => [...w].map(([iv, iw]) => [iv, iw.states?.get('NAS100')]);
    expect(states(await thread.allStates())).toEqual(states(inProcess.allStates()));
  });

  it('a collector whose thread died keeps writing its 1m data, and each cycle fails with the typed error', async () => {
    const config = testConfig(url, { SIM_SPEED: '60', BACKFILL_HOURS: '1', TIMEFRAME_THREAD: 'on' });
    const c = await startCollector(config, { logger: silentLogger(), healthServer: false, autoStart: false });
    const client = createClient({ url });
    await client.connect();
    try {
      expect(c.timeframes).toBeInstanceOf(TimeframeThread);
      await c.runCycle();
      const version = Number(await client.get(redisKeys(config.REDIS_PREFIX).version));
      await (c.timeframes as TimeframeThread).close();
      await expect(c.runCycle()).rejects.toMatchObject({ code: 'timeframe_thread' });
      expect(Number(await client.get(redisKeys(config.REDIS_PREFIX).version)), 'the closing write (1m, seen, heartbeat) still went out').toBe(version + 1);
    } finally {
      await client.quit();
      await c.stop();
    }
  });

  it("fails the cycle's write when the thread's own Redis write failed (so the replicator refills), and writes nothing while told Redis is down", async () => {
    const { prefix, window } = await windowFor('a');
    const thread = await TimeframeThread.start(specs, options, prefix, { url: 'redis://127.0.0.1:1', timeoutMs: 500 }, new TimeframeEngines(specs, options));
    threads.push(thread);
    thread.update(NAS100, [nq[0]!], null, 0);
    const skipped = await thread.take(false, { write: false });
    expect([...skipped.values()].every((w) => w.sentByThread && !w.sentByThread.error), 'not written, not failed').toBe(true);
    thread.update(NAS100, [nq[1]!], null, 0);
    const higher = await thread.take(false);
    expect(higher.get('5m')!.sentByThread?.error).toMatchObject({ code: 'timeframe_thread' });
    const write = { forming: [{ ...nq[1]!, final: false }], finals: [], features: new Map(), signals: new Map(), seen: { symbols: [], at: 0 }, higher };
    await expect(window.writeCycle(write)).rejects.toMatchObject({ code: 'timeframe_thread' });
    const client = createClient({ url });
    await client.connect();
    expect(await client.hGet(window.keys.forming, 'NAS100'), "the main thread's own part still went out").not.toBeNull();
    await client.quit();
  });

  it('writes the bars it completes into their sorted sets itself, and after parts it was told not to write replaces a bar the refill wrote instead of adding a second at its ts', async () => {
    const { prefix, window } = await windowFor('b');
    const thread = await TimeframeThread.start([NAS100], options, prefix, { url, timeoutMs: 2_000 }, new TimeframeEngines([NAS100], options));
    threads.push(thread);
    const reference = new TimeframeEngines([NAS100], options);
    /** the 5m bar each minute completes */
    const completes = nq.slice(0, 60).map((bar) => {
      reference.update(NAS100, [bar], null, 0);
      return reference.take(false).get('5m')!.finals[0];
    });
    const step = async (i: number, write: boolean) => {
      thread.update(NAS100, [nq[i]!], null, 0);
      const sent = await thread.take(false, { write });
      expect([...sent.values()].every((w) => w.finals.length === 0 && w.sentByThread && !w.sentByThread.error), 'nothing handed back to write').toBe(true);
    };
    const outage = 30;
    // The outage ends just before the minute completing a bar, with one bar completed during it.
    const resume = completes.findIndex((b, i) => b && i > outage && completes.slice(outage, i).some(Boolean));
    for (let i = 0; i < outage; i++) await step(i, true);
    for (let i = outage; i < resume; i++) await step(i, false);
    // The refill writes from history what the skipped parts held, and history may hold the minute that completes
    // the next bar before the thread is fed it: the refill writes that bar too (here with other bytes, to tell).
    const next = completes[resume]!;
    const refilled = [...completes.slice(outage, resume).filter((b) => b !== undefined), { ...next, volume: next.volume + 1 }];
    await window.writeCycle({ forming: [], finals: [], features: new Map(), signals: new Map(), seen: { symbols: [], at: 0 }, higher: new Map([['5m', { finals: refilled, forming: [], features: new Map(), signals: new Map() }]]) });
    await step(resume, true);
    const members = await window.finals('NAS100', 0, Number.MAX_SAFE_INTEGER, '5m');
    expect(members, 'every completed bar once, the last one as the thread wrote it').toEqual(completes.slice(0, resume + 1).filter((b) => b !== undefined));
  });

  it('fails a take with a typed error once the thread is gone, instead of hanging the cycle', async () => {
    const { prefix } = await windowFor('a');
    const thread = await TimeframeThread.start(specs, options, prefix, { url, timeoutMs: 2_000 }, new TimeframeEngines(specs, options));
    thread.update(NAS100, [nq[0]!], null, 0);
    await thread.close();
    await expect(thread.take(false)).rejects.toMatchObject({ code: 'timeframe_thread' });
  });
});
