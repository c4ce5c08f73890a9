import { describe, expect, it } from 'vitest';
import { DEFAULT_SYMBOL_SPECS, type Bar } from '@marketpipe/core';
import { FeatureStage } from '../src/features/feature-stage';
import { MemoryHistory, MemoryWindow } from './fakes/memory-stores';
import { silentLogger } from './helpers';

const spec = DEFAULT_SYMBOL_SPECS.find((s) => s.symbol === 'EURUSD')!;
const T0 = Date.UTC(2026, 2, 4, 12, 0);
const bars = (n: number, from = 0): Bar[] =>
  Array.from({ length: n }, (_, i) => {
    const close = 1.1 + Math.sin(from + i) / 1_000;
    return { symbol: 'EURUSD', interval: '1m', ts: T0 + (from + i) * 60_000, open: close, high: close + 0.0001, low: close - 0.0001, close, volume: 1, source: 'sim', final: true, filled: false };
  });

/** A window holding the state of an engine that has seen `seen` bars, and a history of `stored` bars. */
async function stores(seen: number, stored: number) {
  const saved = new FeatureStage([spec]);
  saved.update(spec, bars(seen), null, 0);
  const window = new MemoryWindow();
  await window.writeCycle({ forming: [], finals: [], features: new Map(), signals: new Map(), seen: { symbols: [], at: 0 }, states: saved.allStates() });
  const history = new MemoryHistory();
  history.add(bars(stored));
  return { window, history };
}

describe('FeatureStage.warm', () => {
  it('rebuilds from history, instead of crashing later, when the saved state has seen bars history lacks', async () => {
    const { window, history } = await stores(300, 200);

    const stage = new FeatureStage([spec]);
    expect(await stage.warm([spec], history, window, silentLogger())).toEqual({ restored: 0, rebuilt: 1, replayed: 200 });
    expect(() => stage.update(spec, bars(1, 200), null, 0), 'the next bar after history’s last is accepted').not.toThrow();
    const uninterrupted = new FeatureStage([spec]);
    uninterrupted.update(spec, bars(201), null, 0);
    expect(stage.engine('EURUSD')!.snapshot()).toEqual(uninterrupted.engine('EURUSD')!.snapshot());
  });

  it('resumes from a state that is behind history, replaying only the bars after it', async () => {
    const { window, history } = await stores(150, 200);
    const stage = new FeatureStage([spec]);
    expect(await stage.warm([spec], history, window, silentLogger())).toEqual({ restored: 1, rebuilt: 0, replayed: 50 });
  });
});

describe('FeatureStage.latest', () => {
  it('gives what each engine shows now (the forming bar included), for the symbols that have shown any', () => {
    const gbp = { ...spec, symbol: 'GBPUSD' };
    const stage = new FeatureStage([spec, gbp]);
    const forming = { ...bars(1, 120)[0]!, close: 1.2, final: false };
    const out = stage.update(spec, bars(120), forming, 1_000);
    const latest = stage.latest(1_000);
    expect([...latest.features.keys()], 'GBPUSD has shown nothing yet').toEqual(['EURUSD']);
    expect(Buffer.from(latest.features.get('EURUSD')!)).toEqual(Buffer.from(out.features!));
    expect(Buffer.from(latest.signals.get('EURUSD')!)).toEqual(Buffer.from(out.signal!));
    stage.reset(spec);
    expect(stage.latest(2_000).features.size, 'a reset engine shows nothing until it is fed again').toBe(0);
  });
});
