import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { DEFAULT_SYMBOL_SPECS, type Bar } from '@marketpipe/core';
import { HistoryFlusher } from '../src/history/history-flusher';
import { CollectorMetrics } from '../src/metrics';
import { MemoryHistory } from './fakes/memory-stores';
import { silentLogger } from './helpers';

const symbol = DEFAULT_SYMBOL_SPECS[0]!.symbol;
const bar = (ts: number): Bar => ({ symbol, interval: '1m', ts, open: 1, high: 1, low: 1, close: 1, volume: 0, source: 'sim', final: true, filled: false });

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function rig() {
  const history = new MemoryHistory();
  const flusher = new HistoryFlusher({ history, metrics: new CollectorMetrics(), logger: silentLogger(), wall: { now: () => Date.now() }, periodMs: 10_000, warnAt: 1_000 });
  return { history, flusher };
}

it('a flush that falls due during a cycle waits for the cycle to end, then runs', async () => {
  const { history, flusher } = rig();
  flusher.start();
  history.add([bar(0)]);
  flusher.hold();
  await vi.advanceTimersByTimeAsync(10_500);
  expect(history.pending, 'not written inside the cycle').toBe(1);
  flusher.release();
  await vi.advanceTimersByTimeAsync(0);
  expect(history.pending).toBe(0);
  history.add([bar(60_000)]);
  await vi.advanceTimersByTimeAsync(10_000);
  expect(history.pending, 'the period goes on from the deferred flush').toBe(0);
  flusher.stop();
});

it('a hold longer than the period does not stop the flush', async () => {
  const { history, flusher } = rig();
  flusher.start();
  history.add([bar(0)]);
  flusher.hold();
  await vi.advanceTimersByTimeAsync(19_000);
  expect(history.pending).toBe(1);
  await vi.advanceTimersByTimeAsync(1_500);
  expect(history.pending).toBe(0);
  flusher.release();
  flusher.stop();
});
