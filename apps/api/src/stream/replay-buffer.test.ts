import { describe, expect, it } from 'vitest';
import type { UpdateMessage } from './messages';
import { REPLAY_MS, ReplayBuffer } from './replay-buffer';

const update = (id: string, symbol: string): UpdateMessage => ({ type: 'update', id, symbol, interval: '1m', ts: 1, ageMs: 0, source: 'sim' });

describe('ReplayBuffer', () => {
  it('issues ids that only grow, never below the clock × 1,000', () => {
    const buffer = new ReplayBuffer(1_000);
    const a = Number(buffer.nextId(1_000));
    const b = Number(buffer.nextId(1_000));
    const c = Number(buffer.nextId(5_000));
    expect(a).toBe(1_000_000);
    expect(b).toBe(a + 1);
    expect(c).toBe(5_000_000);
    expect(Number(buffer.nextId(2_000))).toBe(c + 1);
  });

  it('replays what came after an id, for the asked symbols only, oldest first', () => {
    const buffer = new ReplayBuffer(1_000);
    const ids = ['EURUSD', 'XAUUSD', 'EURUSD'].map((symbol) => {
      const m = update(buffer.nextId(1_000), symbol);
      buffer.push(m, 1_000);
      return m;
    });
    expect(buffer.since(Number(ids[0]!.id), new Set(['EURUSD']))).toEqual([ids[2]]);
    expect(buffer.since(Number(ids[0]!.id) - 1, new Set(['EURUSD', 'XAUUSD']))).toEqual(ids);
    expect(buffer.since(Number(ids[2]!.id), new Set(['EURUSD']))).toEqual([]);
  });

  it('says so (null) when the gap reaches past what it still holds, or predates it', () => {
    const buffer = new ReplayBuffer(1_000);
    expect(buffer.since(999_999, new Set(['EURUSD'])), 'everything since this instance started').toEqual([]);
    expect(buffer.since(999_998, new Set(['EURUSD'])), 'an id of an earlier instance').toBeNull();
    const old = update(buffer.nextId(1_000), 'EURUSD');
    buffer.push(old, 1_000);
    const later = update(buffer.nextId(1_000 + REPLAY_MS + 1), 'EURUSD');
    buffer.push(later, 1_000 + REPLAY_MS + 1);
    expect(buffer.since(Number(old.id) - 1, new Set(['EURUSD']))).toBeNull();
    expect(buffer.since(Number(old.id), new Set(['EURUSD']))).toEqual([later]);
    expect(buffer.since(Number.NaN, new Set(['EURUSD']))).toBeNull();
  });
});
