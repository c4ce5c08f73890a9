import { describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { FeatureEngine, decodeFeatures, decodeSignal, redisKeys, scan, type Bar, type Features } from '@marketpipe/core';
import { TimeframeEngines } from '../src/features/timeframe-stage';
import { warmTimeframes, withTimeframes } from '../src/features/timeframe-warm';
import { FeatureStage } from '../src/features/feature-stage';
import { createBinaryRedisClient } from '../src/redis/client';
import { RedisBarWindow } from '../src/redis/redis-bar-window';
import type { HigherInterval, IntervalWrite } from '../src/ports';
import { MemoryHistory } from './fakes/memory-stores';
import { silentLogger } from './helpers';
import { NAS100, aligned, closeTo, nq1m, nqResampled } from './timeframes-fixtures';

const ALL: HigherInterval[] = ['5m', '15m', '30m', '1h', '4h', '1d'];
const DAY = 86_400_000;
const nq = nq1m();
const newStage = () => new TimeframeEngines([NAS100], { barIntervals: ALL, featureIntervals: ['5m', '1h'] });

/** Committed features of a slot's engine: its snapshot restored into a scratch engine (the persisted-state path). */
function committedFeatures(stage: TimeframeEngines, interval: HigherInterval): Features {
  const slot = stage.slots('NAS100')!.find((s) => s.interval === interval)!;
  const scratch = new FeatureEngine({ session: NAS100.session });
  scratch.restore(slot.engine!.snapshot());
  return scratch.features(0);
}

describe('TimeframeEngines on two weeks of real NQ minutes, fed as the orchestrator does', () => {
  const stage = newStage();
  const finals = new Map<HigherInterval, Bar[]>(ALL.map((iv) => [iv, []]));
  const atCommit = new Map<HigherInterval, Features[]>([['5m', []], ['1h', []]]);
  const emitted: { interval: HigherInterval; features: Features; signal: unknown }[] = [];
  let formingChecked = 0;
  const collect = (out: Map<HigherInterval, IntervalWrite>, forming: Bar | null) => {
    for (const [iv, w] of out) {
      finals.get(iv)!.push(...w.finals);
      if (w.finals.length > 0 && atCommit.has(iv)) atCommit.get(iv)!.push(committedFeatures(stage, iv));
      const f = w.features.get('NAS100');
      if (f) emitted.push({ interval: iv, features: decodeFeatures(f), signal: decodeSignal(w.signals.get('NAS100')!) });
      if (forming && w.forming.length > 0) {
        expect(w.forming[0], `${iv}: the forming bar shows the forming minute`).toMatchObject({ interval: iv, final: false, close: forming.close });
        formingChecked++;
      }
    }
  };
  for (const bar of nq) {
    // Each minute is shown forming (another price), then committed final, one cycle each.
    const forming = { ...bar, close: bar.close + 1, high: Math.max(bar.high, bar.close + 1), final: false };
    expect(stage.update(NAS100, [], forming, 1)).toBe(true);
    collect(stage.take(false), forming);
    expect(stage.update(NAS100, [bar], null, 2)).toBe(true);
    collect(stage.take(false), null);
  }
  const scale = nq.reduce((a, b) => a + b.close, 0) / nq.length;

  it.each(['5m', '1h'] as const)('%s: the final bars are the independently resampled TA-Lib input', (interval) => {
    const { bars } = nqResampled(interval);
    const got = finals.get(interval)!;
    expect(got.length).toBeGreaterThanOrEqual(bars.length - 1);
    expect(got).toEqual(bars.slice(0, got.length));
  });

  const keys: [string, (f: Features) => number | null, boolean][] = [
    ['ema9', (f) => f.ema['9']!, false], ['ema21', (f) => f.ema['21']!, false], ['ema50', (f) => f.ema['50']!, false],
    ['ema200', (f) => f.ema['200']!, false], ['rsi14', (f) => f.rsi, false], ['atr14', (f) => f.atr, true],
    ['macd', (f) => f.macd.macd, true], ['macdSignal', (f) => f.macd.signal, true], ['macdHist', (f) => f.macd.histogram, true],
    ['bbUpper', (f) => f.bb.upper, false], ['bbMiddle', (f) => f.bb.middle, false], ['bbLower', (f) => f.bb.lower, false],
    ['mom10', (f) => f.momentum, true], ['volumeSma20', (f) => f.volumeMa, false],
  ];
  describe.each(['5m', '1h'] as const)('%s engine', (interval) => {
    const { ref } = nqResampled(interval);
    it.each(keys)('%s after every committed bar equals TA-Lib to 1e-9', (key, read, price) => {
      const want = aligned(ref, key);
      const got = atCommit.get(interval)!;
      expect(got.length).toBe(finals.get(interval)!.length);
      const bad = got.findIndex((f, i) => !closeTo(read(f), want[i] ?? null, price ? scale * 1e-4 : 0));
      expect(bad, bad < 0 ? '' : `${key} at ${bad}: ${read(got[bad]!)} vs ${want[bad]}`).toBe(-1);
      expect(got.filter((f) => read(f) !== null).length).toBeGreaterThan(40);
    });

    it('the features written to Redis for a final bar are those numbers, and the signal is the scanner over them', () => {
      const index = new Map(nqResampled(interval).bars.map((b, i) => [b.ts, i]));
      const finalsWritten = emitted.filter((e) => e.interval === interval && e.features.final);
      expect(finalsWritten.length).toBeGreaterThan(interval === '5m' ? 1_000 : 100);
      for (const { features, signal } of finalsWritten) {
        const i = index.get(features.ts)!;
        expect(closeTo(features.ema['21']!, aligned(ref, 'ema21')[i] ?? null)).toBe(true);
        expect(closeTo(features.rsi, aligned(ref, 'rsi14')[i] ?? null)).toBe(true);
        expect(signal).toEqual(scan(features, 2));
      }
    });
  });

  it('shows every interval’s forming bar each cycle; no engine for the bar-only intervals', () => {
    expect(formingChecked).toBeGreaterThan(nq.length * 5);
    expect(new Set(emitted.map((e) => e.interval))).toEqual(new Set(['5m', '1h']));
    expect(stage.slots('NAS100')!.filter((s) => s.engine).map((s) => s.interval)).toEqual(['5m', '1h']);
  });
});

describe('warmTimeframes: state saved in Redis and restored, or rebuilt from 1m history', () => {
  const cut = 9_000;

  async function rig() {
    const client = createBinaryRedisClient(inject('redisUrl'));
    await client.connect();
    const window = new RedisBarWindow(client, redisKeys(`test:${randomUUID().slice(0, 8)}:`));
    const history = new MemoryHistory();
    history.add(nq.slice(0, cut));
    await history.flush();
    return { window, history, close: () => client.quit() };
  }
  const feed = (stage: TimeframeEngines, bars: readonly Bar[]) => {
    for (const bar of bars) stage.update(NAS100, [bar], null, 0);
  };
  const snapshots = (stage: TimeframeEngines) => stage.slots('NAS100')!.map((s) => s.engine?.snapshot() ?? null);

  it('resumes from md:v1:state:{iv} and continues exactly like an uninterrupted run', async () => {
    const { window, history, close } = await rig();
    try {
      const before = newStage();
      feed(before, nq.slice(0, cut));
      const w = before.take(true);
      expect([...w].filter(([, iw]) => iw.states).map(([iv]) => iv)).toEqual(['5m', '1h']);
      await window.writeCycle({ forming: [], finals: [], features: new Map(), signals: new Map(), seen: { symbols: [], at: 0 }, higher: w });

      const resumed = newStage();
      const report = await warmTimeframes(resumed, [NAS100], history, window, silentLogger(), 90 * DAY);
      expect(report.restored).toBe(2);
      expect(report.rebuilt).toBe(0);
      expect(report.replayed, 'only the open buckets are replayed, not the two weeks').toBeLessThan(1_500);
      const uninterrupted = newStage();
      feed(uninterrupted, nq);
      feed(resumed, nq.slice(cut));
      expect(snapshots(resumed)).toEqual(snapshots(uninterrupted));
      const after = resumed.take(false).get('4h')!.finals;
      expect(after.length, 'the resampler resumed inside its open bucket').toBeGreaterThan(5);
      expect(after).toEqual(uninterrupted.take(false).get('4h')!.finals.slice(-after.length));
    } finally {
      await close();
    }
  });

  it('rebuilds from history when there is no state, or when the state has seen bars history lacks', async () => {
    const { window, history, close } = await rig();
    try {
      const ahead = newStage();
      feed(ahead, nq.slice(0, cut + 600));
      await window.writeCycle({ forming: [], finals: [], features: new Map(), signals: new Map(), seen: { symbols: [], at: 0 }, higher: ahead.take(true) });
      for (const source of [window, null]) {
        const rebuilt = newStage();
        const report = await warmTimeframes(rebuilt, [NAS100], history, source, silentLogger(), 90 * DAY);
        expect(report).toMatchObject({ restored: 0, rebuilt: 2, replayed: cut });
        const uninterrupted = newStage();
        feed(uninterrupted, nq);
        feed(rebuilt, nq.slice(cut));
        expect(snapshots(rebuilt)).toEqual(snapshots(uninterrupted));
      }
    } finally {
      await close();
    }
  });
});

describe('a symbol taken over from another collector (SHARD_MODE=lease)', () => {
  it('is reset and warmed in every timeframe, not only 1m', async () => {
    const history = new MemoryHistory();
    history.add(nq.slice(0, 6_000));
    await history.flush();
    const oneMinute = new FeatureStage([NAS100]);
    const stage = newStage();
    // What this collector computed before it lost the symbol: stale by the time it returns.
    for (const bar of nq.slice(0, 2_000)) stage.update(NAS100, [bar], null, 0);
    const shard = withTimeframes(oneMinute, stage, 90 * DAY);
    shard.reset(NAS100);
    expect(stage.slots('NAS100')!.every((s) => s.engineTs === Number.NEGATIVE_INFINITY)).toBe(true);
    await shard.warm([NAS100], history, null, silentLogger());
    const uninterrupted = newStage();
    for (const bar of nq.slice(0, 6_000)) uninterrupted.update(NAS100, [bar], null, 0);
    const engines = (s: TimeframeEngines) => s.slots('NAS100')!.map((x) => x.engine?.snapshot() ?? null);
    expect(engines(stage)).toEqual(engines(uninterrupted));
    expect(oneMinute.engine('NAS100')!.snapshot().last?.ts, 'the 1m engine was warmed too').toBe(nq[5_999]!.ts);
  });
});
