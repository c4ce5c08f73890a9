import { describe, expect, it } from 'vitest';
import { DEFAULT_SYMBOL_SPECS, validateBars, type Bar, type Clock, type SymbolSpec } from '@marketpipe/core';
import { Orchestrator } from '../src/orchestrator';
import { WindowReplicator } from '../src/redis/window-replicator';
import { FeatureStage } from '../src/features/feature-stage';
import { CollectorMetrics } from '../src/metrics';
import { SimFetcher } from '../src/providers/sim/sim-fetcher';
import type { BarSource } from '../src/ports';
import { MemoryHistory, MemoryWindow } from './fakes/memory-stores';
import { silentLogger } from './helpers';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 2, 4, 12, 0, 30);
const specs: SymbolSpec[] = DEFAULT_SYMBOL_SPECS.filter((s) => s.symbol === 'EURUSD' || s.symbol === 'XAUUSD');

/** A manual market clock, a sim feed on it, and the data engine over in-memory stores. */
function rig(opts: { maxBuffered?: number; each?: { failing: Set<string> } } = {}) {
  let t = T0;
  const market: Clock = { now: () => t };
  const sim = new SimFetcher({ seed: 7, clock: market });
  const fetch: BarSource['fetch'] = async (spec, range) => ({ provider: 'sim', bars: validateBars((await sim.fetchBars(spec, range)).bars, { now: t }).accepted, rejects: [] });
  const each = opts.each;
  const source: BarSource = each
    ? {
        fetch: () => Promise.reject(new Error('a source with fetchEach is polled through it')),
        // answers delivered last symbol first, a failing symbol with its error
        fetchEach: async (items, deliver) => {
          for (let i = items.length - 1; i >= 0; i--) {
            const { spec, range } = items[i]!;
            if (each.failing.has(spec.symbol)) deliver(i, null, new Error(`${spec.symbol} unavailable`));
            else deliver(i, await fetch(spec, range));
          }
        },
      }
    : { fetch };
  const window = new MemoryWindow();
  const history = new MemoryHistory(opts.maxBuffered);
  const metrics = new CollectorMetrics();
  const analytics = new FeatureStage(specs);
  const logger = silentLogger();
  const wall: Clock = { now: () => t };
  const replicator = new WindowReplicator({ window, history, specs, analytics, metrics, logger, wall, windowBars: 5_000 });
  const orchestrator = new Orchestrator({
    specs,
    source,
    replicator,
    history,
    clocks: { market, wall },
    metrics,
    logger,
    collectorId: 'unit',
    version: 'test',
    concurrency: 4,
    analytics,
    lastFinal: new Map(),
  });
  return { window, history, analytics, replicator, orchestrator, metrics, advance: (ms: number) => (t += ms) };
}

const minutes = (bars: readonly Bar[]) => bars.map((b) => b.ts);

describe('Orchestrator commit order (in-memory stores that fail on demand)', () => {
  it('loses nothing when the window throws on some cycles: Redis and history end up with every bar, features equal an uninterrupted run', async () => {
    const faulty = rig();
    const clean = rig();
    for (let cycle = 0; cycle < 40; cycle++) {
      // Cycles 10–17 span minute boundaries: their finals reach history but not the window.
      faulty.window.failing = cycle >= 10 && cycle < 18;
      for (const r of [faulty, clean]) {
        r.advance(20_000);
        await r.orchestrator.runCycle();
      }
      if (cycle === 17) faulty.window.failing = false;
      await faulty.replicator.recover();
    }
    expect((await faulty.metrics.redisOutages.get()).values[0]?.value, 'one outage, counted once').toBe(1);
    expect(faulty.replicator.up).toBe(true);
    for (const r of [faulty, clean]) await r.history.flush();
    for (const spec of specs) {
      const expected = await clean.history.range(spec.symbol, 0, Number.MAX_SAFE_INTEGER);
      expect(expected.length, 'about 13 minutes finalised').toBeGreaterThanOrEqual(12);
      const inHistory = await faulty.history.range(spec.symbol, 0, Number.MAX_SAFE_INTEGER);
      const inWindow = await faulty.window.finals(spec.symbol);
      expect(minutes(inHistory)).toEqual(minutes(expected));
      expect(inWindow, `${spec.symbol}: the window was refilled with the bars of the failed writes`).toEqual(inHistory);
      for (let i = 1; i < inHistory.length; i++) expect(inHistory[i]!.ts - inHistory[i - 1]!.ts).toBe(MINUTE);
      expect(faulty.analytics.engine(spec.symbol)!.snapshot(), 'engine state as if nothing failed').toEqual(clean.analytics.engine(spec.symbol)!.snapshot());
      expect(faulty.window.features.get(spec.symbol)).toEqual(clean.window.features.get(spec.symbol));
      expect(faulty.window.forming.get(spec.symbol)).toEqual(clean.window.forming.get(spec.symbol));
    }
  });

  it('polls a source with fetchEach through it: the same bars, windows and features as one fetch per symbol, a failed symbol reported and caught up', async () => {
    const failing = new Set<string>();
    const each = rig({ each: { failing } });
    const plain = rig();
    for (let cycle = 0; cycle < 12; cycle++) {
      failing.clear();
      if (cycle >= 4 && cycle < 7) failing.add('XAUUSD');
      for (const r of [each, plain]) r.advance(20_000);
      const report = await each.orchestrator.runCycle();
      expect(report.failedSymbols).toEqual(failing.has('XAUUSD') ? ['XAUUSD'] : []);
      await plain.orchestrator.runCycle();
    }
    for (const r of [each, plain]) await r.history.flush();
    for (const spec of specs) {
      const want = await plain.history.range(spec.symbol, 0, Number.MAX_SAFE_INTEGER);
      expect(want.length, 'three minutes finalised').toBeGreaterThanOrEqual(3);
      expect(await each.history.range(spec.symbol, 0, Number.MAX_SAFE_INTEGER)).toEqual(want);
      expect(await each.window.finals(spec.symbol)).toEqual(want);
      expect(each.window.features.get(spec.symbol)).toEqual(plain.window.features.get(spec.symbol));
      expect(each.window.forming.get(spec.symbol)).toEqual(plain.window.forming.get(spec.symbol));
    }
    const stored = (await each.history.range('EURUSD', 0, Number.MAX_SAFE_INTEGER)).length + (await each.history.range('XAUUSD', 0, Number.MAX_SAFE_INTEGER)).length;
    const counted = (await each.metrics.barsAccepted.get()).values.find((v) => v.labels.provider === 'sim')?.value;
    expect(counted, 'every final bar counted once, by its provider').toBe(stored);
  });

  it('does not advance the cursor or the engine when history refuses the bars (buffer full), and catches up once it has room', async () => {
    const r = rig({ maxBuffered: 2 });
    r.history.failing = true;
    for (let i = 0; i < 12; i++) {
      r.advance(20_000);
      await r.orchestrator.runCycle();
      await r.history.flush().catch(() => undefined);
    }
    const refused = (await r.metrics.historyRefused.get()).values[0]?.value ?? 0;
    expect(refused, 'finals were refused, and counted').toBeGreaterThan(0);
    const cursorWhileFull = r.orchestrator.cursor('EURUSD');
    expect(r.history.pending).toBeLessThanOrEqual(2);
    r.history.failing = false;
    await r.history.flush();
    for (let i = 0; i < 6; i++) {
      r.advance(20_000);
      await r.orchestrator.runCycle();
      await r.history.flush();
    }
    const bars = await r.history.range('EURUSD', 0, Number.MAX_SAFE_INTEGER);
    expect(r.orchestrator.cursor('EURUSD')!).toBeGreaterThan(cursorWhileFull ?? 0);
    for (let i = 1; i < bars.length; i++) expect(bars[i]!.ts - bars[i - 1]!.ts, 'no minute was skipped').toBe(MINUTE);
    const replayed = new FeatureStage(specs);
    replayed.update(specs[0]!, bars, null, 0);
    expect(r.analytics.engine('EURUSD')!.snapshot(), 'the engine saw each final bar once, in order').toEqual(replayed.engine('EURUSD')!.snapshot());
  });

  it("leaves engine states out of a minute boundary's write for the next cycle, never two cycles in a row", async () => {
    const r = rig();
    const saved = () => r.window.states.size;
    await r.orchestrator.runCycle(); // 12:00:30: a forming bar only
    r.advance(30_000); // 12:01:00: both symbols' 12:00 bars are final, both engines dirty; one state a cycle (2 symbols / 20)
    await r.orchestrator.runCycle();
    expect(saved(), 'the boundary saved no state').toBe(0);
    r.advance(1_000);
    await r.orchestrator.runCycle();
    expect(saved(), 'the cycle after it did').toBe(1);
    r.advance(1_000);
    await r.orchestrator.runCycle();
    expect(saved()).toBe(2);
    r.window.states.clear();
    r.advance(59_000); // 12:02:00
    await r.orchestrator.runCycle();
    expect(saved()).toBe(0);
    r.advance(60_000); // 12:03:00, finals again right after a deferral: saved this time
    await r.orchestrator.runCycle();
    expect(saved()).toBe(1);
  });
});
