import { describe, expect, it } from 'vitest';
import { decodeBar, encodeBar, setCodecSlabAllocator } from '@marketpipe/core';
import { SlabPool } from './slab-pool';

describe('SlabPool', () => {
  it('lends a part its slabs again once the part ended, but not the one the writer still fills', () => {
    const pool = new SlabPool();
    pool.begin();
    const [a, b, c] = [pool.allocate(64), pool.allocate(64), pool.allocate(64)];
    pool.end();
    pool.begin();
    const again = [pool.allocate(64), pool.allocate(64)];
    expect(again).toContain(a);
    expect(again).toContain(b);
    expect(again).not.toContain(c);
    expect(pool.allocate(64)).not.toBe(c);
  });

  it('never reuses a slab lent outside a part (an answer that is still to be sent may hold it)', () => {
    const pool = new SlabPool();
    const outside = [pool.allocate(64), pool.allocate(64)];
    pool.begin();
    pool.allocate(64);
    pool.allocate(64);
    pool.end();
    pool.begin();
    for (let i = 0; i < 10; i++) expect(outside).not.toContain(pool.allocate(64));
  });

  it('hands out a size it does not keep as a new slab, and keeps at most `keep` free', () => {
    const pool = new SlabPool(2);
    pool.begin();
    const slabs = Array.from({ length: 5 }, () => pool.allocate(64));
    pool.end();
    pool.begin();
    const odd = pool.allocate(100);
    expect(odd.length).toBe(100);
    expect(slabs).not.toContain(odd);
    const reused = [pool.allocate(64), pool.allocate(64), pool.allocate(64)].filter((s) => slabs.includes(s));
    expect(reused).toHaveLength(2);
  });

  it('gives the codec slabs whose earlier values are overwritten: a part copies its values out before it ends', () => {
    const pool = new SlabPool();
    setCodecSlabAllocator(pool.allocate);
    try {
      pool.begin();
      const bar = { symbol: 'EURUSD', interval: '1m' as const, ts: 60_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3, source: 'sim', final: false, filled: false };
      // past the slab the writer was made with (lent outside any part, so never reused)
      for (let i = 0; i < 400; i++) encodeBar(bar);
      const first = encodeBar(bar);
      const copy = first.slice();
      for (let i = 0; i < 400; i++) encodeBar({ ...bar, ts: bar.ts + i * 60_000 });
      pool.end();
      pool.begin();
      for (let i = 0; i < 1_000; i++) encodeBar({ ...bar, close: 9, ts: bar.ts + i * 60_000 });
      expect(decodeBar(copy)).toEqual(bar);
      expect(first).not.toEqual(copy);
    } finally {
      setCodecSlabAllocator((n) => new Uint8Array(n));
    }
  });
});
