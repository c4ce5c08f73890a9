import { describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { redisKeys, type Bar } from '@marketpipe/core';
import { CycleWriter, PART_SYMBOLS } from '../src/cycle-writer';
import { createBinaryRedisClient } from '../src/redis/client';
import { RedisBarWindow } from '../src/redis/redis-bar-window';
import type { CycleWrite, HigherWrites, TimeframeStage } from '../src/ports';
import type { WindowReplicator } from '../src/redis/window-replicator';

const bar = (symbol: string, ts: number, final: boolean): Bar => ({ symbol, interval: '1m', ts, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10, source: 'sim', final, filled: false });
const histogram = () => ({ seen: [] as number[], observe(v: number) { this.seen.push(v); } });

describe('CycleWriter: a cycle written in parts as its symbols arrive', () => {
  it('sends what one turn of the event loop committed as a part, and the closing write last with the one version bump', async () => {
    const client = createBinaryRedisClient(inject('redisUrl'));
    await client.connect();
    const keys = redisKeys(`test:${randomUUID().slice(0, 8)}:`);
    const window = new RedisBarWindow(client, keys);
    const sent: CycleWrite[] = [];
    const replicator = { write: async (w: CycleWrite) => (sent.push(w), await window.writeCycle(w), true) } as unknown as WindowReplicator;
    const latency = { oneMinute: histogram(), higher: [histogram()] };
    try {
      const writer = new CycleWriter({ replicator, latency }, 1_000);
      const t = Date.UTC(2026, 0, 5, 10, 0);
      writer.add('AAA', { finals: [bar('AAA', t, true)], forming: bar('AAA', t + 60_000, false), signal: Buffer.from('sa'), higherSignals: false }, performance.now());
      writer.add('BBB', { finals: [], forming: bar('BBB', t + 60_000, false), signal: Buffer.from('sb'), higherSignals: false }, performance.now());
      await new Promise((r) => setImmediate(r)); // the turn ends: the first part goes
      expect(sent).toHaveLength(1);
      expect(sent[0]!.partial).toBe(true);
      expect([...sent[0]!.signals.keys()]).toEqual(['AAA', 'BBB']);
      writer.add('CCC', { finals: [], forming: bar('CCC', t + 60_000, false), signal: Buffer.from('sc'), higherSignals: false }, performance.now());
      const ok = await writer.close({ seen: { symbols: ['AAA', 'BBB', 'CCC'], at: 1_000 } }, 10);
      expect(ok).toBe(true);
      expect(sent.map((w) => w.partial ?? false)).toEqual([true, false]);
      expect([...sent[1]!.signals.keys()], 'what arrived after the last part rides with the closing write').toEqual(['CCC']);
      expect([writer.finals, writer.forming]).toEqual([1, 3]);
      expect((await client.get(keys.version))?.toString(), 'readers see one change per cycle').toBe('1');
      expect((await client.hGet(keys.signals, 'BBB'))?.toString()).toBe('sb');
      expect(await window.finals('AAA')).toEqual([bar('AAA', t, true)]);
      expect(latency.oneMinute.seen, 'latencies reach the histogram after the cycle, not while it writes').toHaveLength(0);
      writer.observeLatencies();
      expect(latency.oneMinute.seen).toHaveLength(3);
    } finally {
      await client.quit();
    }
  });

  it('sends a part as soon as it holds PART_SYMBOLS symbols, without waiting for the turn to end', async () => {
    const sent: CycleWrite[] = [];
    const replicator = { write: async (w: CycleWrite) => (sent.push(w), true) } as unknown as WindowReplicator;
    const writer = new CycleWriter({ replicator, latency: { oneMinute: histogram(), higher: [] } }, 0);
    const add = (i: number) => writer.add(`S${i}`, { finals: [], forming: bar(`S${i}`, 0, false), signal: Buffer.from('s'), higherSignals: false }, 0);
    for (let i = 0; i < PART_SYMBOLS - 1; i++) add(i);
    expect(sent, 'one short of a part: it waits for the turn').toHaveLength(0);
    add(PART_SYMBOLS - 1);
    expect(sent.map((w) => w.signals.size), 'full: out at once, in the same turn').toEqual([PART_SYMBOLS]);
    for (let i = PART_SYMBOLS; i < PART_SYMBOLS + 3; i++) add(i);
    expect(sent).toHaveLength(1);
    await new Promise((r) => setImmediate(r));
    expect(sent.map((w) => w.signals.size), 'the rest of the turn goes when it ends, as one part').toEqual([PART_SYMBOLS, 3]);
    expect(sent.every((w) => w.partial)).toBe(true);
    expect(await writer.close({ seen: { symbols: [], at: 0 } }, 0)).toBe(true);
    expect([writer.forming, sent.length], 'the closing write goes last').toEqual([PART_SYMBOLS + 3, 3]);
  });

  it('reports a cycle unwritten when any part failed', async () => {
    let calls = 0;
    const replicator = { write: async () => ++calls !== 1 } as unknown as WindowReplicator;
    const writer = new CycleWriter({ replicator, latency: { oneMinute: histogram(), higher: [] } }, 0);
    writer.add('AAA', { finals: [], forming: bar('AAA', 0, false), higherSignals: false }, 0);
    await new Promise((r) => setImmediate(r));
    expect(await writer.close({ seen: { symbols: [], at: 0 } }, 0)).toBe(false);
  });

  it('keeps the latencies of the parts that landed when a later write throws, for the caller to observe', async () => {
    let calls = 0;
    const replicator = {
      write: async () => {
        if (++calls === 2) throw new Error('connection reset');
        return true;
      },
    } as unknown as WindowReplicator;
    const latency = { oneMinute: histogram(), higher: [] };
    const writer = new CycleWriter({ replicator, latency }, 0);
    writer.add('AAA', { finals: [], forming: bar('AAA', 0, false), signal: Buffer.from('sa'), higherSignals: false }, performance.now());
    await new Promise((r) => setImmediate(r));
    writer.add('BBB', { finals: [], forming: bar('BBB', 0, false), signal: Buffer.from('sb'), higherSignals: false }, performance.now());
    await expect(writer.close({ seen: { symbols: [], at: 0 } }, 0)).rejects.toThrow('connection reset');
    writer.observeLatencies();
    expect(latency.oneMinute.seen, 'the first part landed; the closing write with BBB did not').toHaveLength(1);
  });

  it("writes a part's 1m data without waiting for the timeframe thread, its completed bars once the thread answers, and the closing write after both", async () => {
    const sent: CycleWrite[] = [];
    const replicator = { up: true, write: async (w: CycleWrite) => (sent.push(w), true) } as unknown as WindowReplicator;
    const answers: ((w: HigherWrites) => void)[] = [];
    const timeframes = { take: () => new Promise<HigherWrites>((resolve) => answers.push(resolve)) } as unknown as TimeframeStage;
    const latency = { oneMinute: histogram(), higher: [histogram()] };
    const writer = new CycleWriter({ replicator, latency, timeframes }, 0);
    const t = Date.UTC(2026, 0, 5, 10, 0);
    writer.add('AAA', { finals: [bar('AAA', t, true)], forming: bar('AAA', t + 60_000, false), signal: Buffer.from('sa'), higherSignals: true }, performance.now());
    await new Promise((r) => setImmediate(r));
    expect(sent.map((w) => [...w.signals.keys()]), 'the 1m part is out while the thread still computes').toEqual([['AAA']]);
    expect(latency.higher[0]!.seen).toHaveLength(0);
    const closed = writer.close({ seen: { symbols: ['AAA'], at: 0 } }, 0);
    await new Promise((r) => setImmediate(r));
    expect(sent, 'the closing write waits for the thread').toHaveLength(1);
    const completed = bar('AAA', t - 4 * 60_000, true);
    answers[0]!(new Map([['5m', { finals: [{ ...completed, interval: '5m' }], forming: [], features: new Map(), signals: new Map(), sentByThread: {} }]]));
    answers[1]!(new Map([['5m', { finals: [], forming: [], features: new Map(), signals: new Map(), sentByThread: {} }]]));
    expect(await closed).toBe(true);
    expect(sent.map((w) => (w.partial ? (w.higher ? 'completed' : '1m') : 'closing'))).toEqual(['1m', 'completed', 'closing']);
    expect(sent[1]!.higher!.get('5m')!.finals.map((b) => b.ts)).toEqual([completed.ts]);
    writer.observeLatencies();
    expect(latency.higher[0]!.seen, 'higher signals count once the thread wrote them').toHaveLength(1);
  });
});
