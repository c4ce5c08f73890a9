import { describe, expect, it } from 'vitest';
import { DEFAULT_SYMBOL_SPECS, validateBars, type Clock, type SymbolSpec } from '@marketpipe/core';
import { Orchestrator } from '../../src/orchestrator';
import { WindowReplicator } from '../../src/redis/window-replicator';
import { FeatureStage } from '../../src/features/feature-stage';
import { CollectorMetrics } from '../../src/metrics';
import { SimFetcher } from '../../src/providers/sim/sim-fetcher';
import type { BarSource } from '../../src/ports';
import { MemoryHistory, MemoryWindow } from '../fakes/memory-stores';
import { capturingLogger } from '../log-capture';

const WEDNESDAY_NOON = Date.UTC(2026, 2, 4, 12, 0, 30);
const SATURDAY_NOON = Date.UTC(2026, 2, 7, 12, 0, 30);
const specs: SymbolSpec[] = DEFAULT_SYMBOL_SPECS.filter((s) => s.symbol === 'EURUSD' || s.symbol === 'XAUUSD');

/** The data engine over in-memory stores and one clock; `mode` says how the source answers XAUUSD. */
function rig(start: number) {
  let t = start;
  const clock: Clock = { now: () => t };
  const sim = new SimFetcher({ seed: 7, clock });
  const xau = { mode: 'served' as 'served' | 'unserved' | 'throws' };
  const source: BarSource = {
    fetch: async (spec, range) => {
      if (spec.symbol === 'XAUUSD' && xau.mode === 'throws') throw new Error('source broke');
      if (spec.symbol === 'XAUUSD' && xau.mode === 'unserved') return { provider: null, bars: [], rejects: [] };
      return { provider: 'sim', bars: validateBars((await sim.fetchBars(spec, range)).bars, { now: t }).accepted, rejects: [] };
    },
  };
  const window = new MemoryWindow();
  const history = new MemoryHistory();
  const metrics = new CollectorMetrics();
  const log = capturingLogger('info');
  const analytics = new FeatureStage(specs);
  const replicator = new WindowReplicator({ window, history, specs, analytics, metrics, logger: log.logger, wall: clock, windowBars: 5_000 });
  const orchestrator = new Orchestrator({
    specs,
    source,
    replicator,
    history,
    metrics,
    analytics,
    logger: log.logger,
    clocks: { market: clock, wall: clock },
    collectorId: 'unit',
    version: 'test',
    concurrency: 4,
    lastFinal: new Map(),
  });
  const gauge = async (g: 'dataAge' | 'marketOpen') =>
    Object.fromEntries((await metrics[g].get()).values.map((v) => [v.labels.symbol, v.value]));
  return { orchestrator, metrics, window, xau, log, gauge, advance: (ms: number) => (t += ms) };
}

describe('freshness metrics', () => {
  it('data age grows only for a symbol no provider serves; market open follows each session', async () => {
    const r = rig(WEDNESDAY_NOON);
    await r.orchestrator.runCycle();
    expect(await r.gauge('dataAge')).toEqual({ EURUSD: 0, XAUUSD: 0 });
    expect(await r.gauge('marketOpen')).toEqual({ EURUSD: 1, XAUUSD: 1 });
    r.xau.mode = 'unserved';
    for (let i = 0; i < 5; i++) {
      r.advance(1_000);
      await r.orchestrator.runCycle();
    }
    expect(await r.gauge('dataAge')).toEqual({ EURUSD: 0, XAUUSD: 5 });

    const weekend = rig(SATURDAY_NOON);
    await weekend.orchestrator.runCycle();
    expect(await weekend.gauge('marketOpen')).toEqual({ EURUSD: 0, XAUUSD: 0 });
  });

  it('times bar-to-signal only for cycles whose Redis write carried the signal', async () => {
    const r = rig(WEDNESDAY_NOON);
    const count = async () => (await r.metrics.signalSeconds.get()).values.find((v) => v.metricName === 'marketpipe_signal_latency_seconds_count')!.value;
    await r.orchestrator.runCycle();
    expect(await count(), 'one signal per symbol').toBe(2);
    r.window.failing = true;
    r.advance(60_000);
    await r.orchestrator.runCycle();
    expect(await count(), 'the failed write published nothing').toBe(2);
  });

  it('logs a fetch that keeps throwing once, with its stack, and once when it works again', async () => {
    const r = rig(WEDNESDAY_NOON);
    r.xau.mode = 'throws';
    for (let i = 0; i < 5; i++) {
      r.advance(1_000);
      await r.orchestrator.runCycle();
    }
    r.xau.mode = 'served';
    r.advance(1_000);
    await r.orchestrator.runCycle();
    expect(r.log.lines.map((l) => l.msg)).toEqual(['fetch failed', 'fetch works again']);
    expect(JSON.stringify(r.log.lines[0])).toContain('source broke');
  });
});
