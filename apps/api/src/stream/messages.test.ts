import { describe, expect, it } from 'vitest';
import type { Bar } from '@marketpipe/core';
import { nextTickAt, TICK_MS } from './hub';
import { snapshotOf, sseFrame, updateFor, type LiveSymbol } from './messages';

const bar = (ts: number, close: number, final = false): Bar => ({
  symbol: 'EURUSD',
  interval: '1m',
  ts,
  open: 1,
  high: 2,
  low: 0.5,
  close,
  volume: 10,
  source: 'sim',
  final,
  filled: false,
});
const live = (over: Partial<LiveSymbol> = {}): LiveSymbol => ({
  symbol: 'EURUSD',
  forming: bar(120_000, 1.1),
  final: bar(60_000, 1.0, true),
  features: null,
  signal: null,
  updatedAt: 125_000,
  ...over,
});
const meta = { id: '7', interval: '1m' as const, now: 125_400 };

describe('updateFor', () => {
  it('is null when nothing changed', () => {
    expect(updateFor(live(), live(), meta)).toBeNull();
  });

  it('carries only what changed, with ts, ageMs and source', () => {
    const moved = live({ forming: bar(120_000, 1.2) });
    expect(updateFor(live(), moved, meta)).toEqual({
      type: 'update',
      id: '7',
      symbol: 'EURUSD',
      interval: '1m',
      ts: 125_000,
      ageMs: 400,
      source: 'sim',
      bar: moved.forming,
    });
  });

  it('puts the final bars skipped between two reads before the newest, oldest first', () => {
    const next = live({ forming: bar(240_000, 1.3), final: bar(180_000, 1.2, true) });
    const skipped = bar(120_000, 1.1, true);
    expect(updateFor(live(), next, { ...meta, finalsBetween: [skipped] })?.finals).toEqual([skipped, next.final]);
  });

  it('sends everything to a listener that has nothing yet', () => {
    expect(updateFor(undefined, live(), meta)).toMatchObject({ bar: live().forming, finals: [live().final] });
    expect(snapshotOf(live(), { ...meta, resync: true })).toMatchObject({ snapshot: true, resync: true, finals: [live().final] });
  });
});

describe('sseFrame', () => {
  it('frames an update with its id as the event id, a heartbeat without one', () => {
    const update = updateFor(undefined, live(), meta)!;
    expect(sseFrame(update)).toBe(`id: 7\nevent: update\ndata: ${JSON.stringify(update)}\n\n`);
    expect(sseFrame({ type: 'heartbeat', ts: 5 })).toBe('event: heartbeat\ndata: {"type":"heartbeat","ts":5}\n\n');
  });
});

describe('nextTickAt', () => {
  it('reads just after the collector’s next write, 0.5 to 1.5 s ahead', () => {
    const write = 10_000;
    for (const now of [10_250, 10_600, 10_999, 11_100]) {
      const at = nextTickAt(now, write);
      expect(at - now).toBeGreaterThanOrEqual(TICK_MS / 2);
      expect(at - now).toBeLessThan(TICK_MS * 1.5);
      expect((at - write) % TICK_MS).toBe(200);
    }
  });

  it('keeps a plain one-second beat without a recent write', () => {
    expect(nextTickAt(50_000, null)).toBe(51_000);
    expect(nextTickAt(50_000, 40_000)).toBe(51_000);
  });
});
