import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, RESP_TYPES } from 'redis';
import { decodeBar, redisKeys } from '@marketpipe/core';
import type { UpdateMessage } from '../../src/stream/messages';
import { openEventStream, openWebSocket, type StreamClient } from './clients';
import { watchCollectorWrites } from './collector-writes';
import { startLiveStack, type LiveStack } from './stack';

/**
 * /v1/stream end to end: the real collector (sim feed, a simulated minute per second, so a bar
 * is finalised every second) writes Redis; the Worker in workerd (wrangler) reads it through
 * the bridge from its stream Durable Object; WebSocket and SSE clients listen over real HTTP.
 */
const CLIENTS = 100;
const SYMBOLS = ['EURUSD', 'XAUUSD'];
let stack: LiveStack;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const wsUrl = (query: string) => `${stack.worker.url.replace(/^http/, 'ws')}/v1/stream?${query}`;
const sseUrl = (query: string) => `${stack.worker.url}/v1/stream?${query}`;
const keyQuery = () => `symbols=${SYMBOLS.join(',')}&access_token=${stack.apiKey}`;

/** Round trips and commands the Worker sends to Redis during `ms`. */
async function restCallsDuring(ms: number): Promise<{ requests: number; commands: number }> {
  const before = { ...stack.counts };
  await sleep(ms);
  return { requests: stack.counts.requests - before.requests, commands: stack.counts.commands - before.commands };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

beforeAll(async () => {
  stack = await startLiveStack({
    simSpeed: 60,
    // This suite's one key holds the 100 WebSockets and the SSE stream, and connects ~110 times.
    vars: { STREAM_MAX_PER_KEY: String(CLIENTS + 1), STREAM_CONNECTS_PER_MINUTE: '150' },
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe('GET /v1/stream', () => {
  it('refuses a missing or unknown key with a 401 problem, before any stream opens', async () => {
    const anonymous = await fetch(sseUrl('symbols=EURUSD'));
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
    expect(await anonymous.json()).toMatchObject({ code: 'unauthorized', instance: '/v1/stream' });
    const wrong = await fetch(sseUrl('symbols=EURUSD&access_token=mp_nope'));
    expect(wrong.status).toBe(401);
    const unknownSymbol = await fetch(sseUrl(`symbols=NOPE&access_token=${stack.apiKey}`));
    expect(unknownSymbol.status).toBe(404);
    const badInterval = await fetch(sseUrl(`interval=2m&access_token=${stack.apiKey}`));
    expect(badInterval.status).toBe(400);
  });

  it('pushes every update to 100 WebSockets and an SSE client, in order, within 1.5 s of the collector’s write; Redis reads do not grow with the clients', async () => {
    const redisReads = { one: { requests: 0, commands: 0 }, many: { requests: 0, commands: 0 } };
    const alone = await openWebSocket(wsUrl(keyQuery()));
    await sleep(1_500);
    redisReads.one = await restCallsDuring(4_000);
    await alone.close();

    const watch = await watchCollectorWrites(stack.redis.url, stack.prefix);
    const sse = await openEventStream(sseUrl(`symbols=${SYMBOLS.join(',')}`), { authorization: `Bearer ${stack.apiKey}` });
    const sockets: StreamClient[] = await Promise.all(Array.from({ length: CLIENTS }, () => openWebSocket(wsUrl(keyQuery()))));
    const listeners = [sse, ...sockets];
    const startedAt = Date.now();

    // A bound per key: the 102nd stream of this key is refused.
    const extra = await fetch(sseUrl(keyQuery()));
    expect(extra.status).toBe(429);
    expect(await extra.json()).toMatchObject({ code: 'too_many_streams', max: CLIENTS + 1 });

    // One client drops after 2 s and comes back 3 s later with the id of its last update.
    await sleep(2_000);
    const dropped = sockets[0]!;
    await dropped.close();
    const lastId = dropped.lastId();
    expect(lastId).toBeDefined();
    await sleep(3_000);
    const back = await openWebSocket(wsUrl(`${keyQuery()}&lastEventId=${lastId}`));
    await sleep(1_000);
    redisReads.many = await restCallsDuring(4_000);
    const endedAt = Date.now();
    await Promise.all([...listeners.slice(2), back].map((c) => c.close()));
    await Promise.all([sse.close(), sockets[1]!.close()]);
    await watch.stop();

    // The same round trip per second, whatever the number of listeners: one read per tick (and,
    // now and then, one more when two bars were finalised between reads: see hub.ts).
    console.info(`Redis calls in 4 s: 1 client ${JSON.stringify(redisReads.one)}, ${CLIENTS + 1} clients ${JSON.stringify(redisReads.many)}`);
    expect(redisReads.one.requests).toBeGreaterThanOrEqual(3);
    expect(redisReads.one.requests).toBeLessThanOrEqual(6);
    expect(redisReads.many.requests).toBeLessThanOrEqual(redisReads.one.requests + 2);
    expect(redisReads.many.commands).toBeLessThanOrEqual(redisReads.one.commands + 2 * 3);

    // Every write the collector made while everybody listened reached every listener within
    // 1.5 s: a message of that symbol with that poll time (or a newer one) arrived by then.
    const writes = watch.writes.filter((w) => SYMBOLS.includes(w.symbol) && w.writtenAt > startedAt + 500 && w.writtenAt < endedAt - 1_500);
    expect(writes.length, 'the collector wrote each second while the clients listened').toBeGreaterThanOrEqual(2 * 8);
    const whole = [sse, ...sockets.slice(1)];
    const latencies: number[] = [];
    for (const client of whole) {
      for (const write of writes) {
        const got = client.updates.find((u) => u.symbol === write.symbol && (u.ts ?? 0) >= write.ts);
        expect(got, `${write.symbol} written at ${write.ts}`).toBeDefined();
        expect(got!.receivedAt - write.writtenAt).toBeLessThanOrEqual(1_500);
        if (got!.ts === write.ts) latencies.push(got!.receivedAt - write.writtenAt);
      }
    }
    latencies.sort((a, b) => a - b);
    expect(latencies.length, 'most writes arrive as themselves, not folded into the next').toBeGreaterThan(0.8 * writes.length * whole.length);
    console.info(`stream delivery latency, collector write → client: p50 ${quantile(latencies, 0.5)} ms, p99 ${quantile(latencies, 0.99)} ms, max ${latencies.at(-1)} ms over ${latencies.length} deliveries`);

    // In order: ids only grow, and each symbol's final bars follow each other minute by
    // minute, exactly the bars the collector stored, none missing.
    const reader = createClient({ url: stack.redis.url }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    await reader.connect();
    const stored = new Map<string, number[]>();
    for (const symbol of SYMBOLS) stored.set(symbol, (await reader.zRange(redisKeys(stack.prefix).bars(symbol, '1m'), 0, -1)).map((b) => decodeBar(b).ts));
    await reader.close();
    for (const client of whole) {
      const ids = client.updates.map((u) => BigInt(u.id));
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
      for (const symbol of SYMBOLS) {
        const finals = client.updates.filter((u) => u.symbol === symbol && !u.snapshot).flatMap((u) => (u.finals ?? []).map((b) => b.ts));
        expect(finals.length).toBeGreaterThanOrEqual(8);
        const all = stored.get(symbol)!;
        const from = all.indexOf(finals[0]!);
        expect(finals).toEqual(all.slice(from, from + finals.length));
      }
    }

    // The client that reconnected missed nothing: after the replay it holds every update an
    // unbroken client got (same ids, same order) from its first one on.
    // (Compared from the first update both got: the two connected a moment apart.)
    const withoutSnapshots = (updates: UpdateMessage[]) => updates.filter((u) => !u.snapshot);
    const both = (updates: UpdateMessage[], from: string, to: string) => updates.filter((u) => BigInt(u.id) >= BigInt(from) && BigInt(u.id) <= BigInt(to));
    const allResumed = withoutSnapshots([...dropped.updates, ...back.updates]);
    const allUnbroken = withoutSnapshots(sockets[1]!.updates);
    const from = BigInt(allResumed[0]!.id) > BigInt(allUnbroken[0]!.id) ? allResumed[0]!.id : allUnbroken[0]!.id;
    const to = BigInt(allResumed.at(-1)!.id) < BigInt(allUnbroken.at(-1)!.id) ? allResumed.at(-1)!.id : allUnbroken.at(-1)!.id;
    const resumed = both(allResumed, from, to);
    const unbroken = both(allUnbroken, from, to);
    expect(resumed.length, 'the comparison spans the drop').toBeGreaterThan(10);
    expect(back.updates[0]?.snapshot, 'a replay, not a fresh snapshot').toBeUndefined();
    expect(resumed.map((u) => u.id)).toEqual(unbroken.map((u) => u.id));
    expect(resumed.map((u) => u.finals?.map((b) => b.ts) ?? [])).toEqual(unbroken.map((u) => u.finals?.map((b) => b.ts) ?? []));
  });

  it('reads nothing while nobody listens', async () => {
    await sleep(2_500);
    expect(await restCallsDuring(3_000)).toEqual({ requests: 0, commands: 0 });
  });

  it('sends heartbeats once nothing changes', async () => {
    await stack.stopCollector();
    const quiet = await openEventStream(sseUrl('symbols=EURUSD'), { authorization: `Bearer ${stack.apiKey}` });
    const deadline = Date.now() + 8_000;
    while (Date.now() < deadline && !quiet.messages.some((m) => m.type === 'heartbeat')) await sleep(200);
    await quiet.close();
    const heartbeat = quiet.messages.find((m) => m.type === 'heartbeat');
    expect(heartbeat, 'a heartbeat within 8 s of silence').toBeDefined();
    // …after 5 s without an update (the first tick may still bring the collector's last write).
    const lastUpdate = quiet.updates.at(-1);
    if (lastUpdate) expect(heartbeat!.receivedAt - lastUpdate.receivedAt).toBeGreaterThanOrEqual(4_500);
  });

  it('limits connection attempts per key (429 with Retry-After)', async () => {
    let status = 0;
    let retryAfter: string | null = null;
    for (let i = 0; i < 160 && status !== 429; i++) {
      const res = await fetch(sseUrl(`symbols=NOPE&access_token=${stack.apiKey}`));
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    expect(status).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });
});
