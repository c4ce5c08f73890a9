import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { BinaryPipeline, textOf } from '../src/upstash/binary-pipeline';
import { UpstashRateLimiter } from '../src/upstash/rate-limiter';
import './context';

/** The sliding-window limiter against the real Redis behind the bridge, on a clock of our own. */
const MINUTE = 60_000;
const T0 = Math.floor(Date.UTC(2026, 10, 25, 12) / MINUTE) * MINUTE;
const redis = new BinaryPipeline(inject('bridgeUrl'), inject('bridgeToken'));
let run = 0;

function limiter(perMinute: number) {
  const clock = { now: T0 };
  const prefix = `test:rl:${Date.now()}:${++run}`;
  return { clock, prefix, limiter: new UpstashRateLimiter(redis, { prefix, perMinute, now: () => clock.now }) };
}

async function take(l: UpstashRateLimiter, n: number, id = 'key:a') {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await l.limit(id));
  return out;
}

afterEach(() => vi.restoreAllMocks());

describe('the sliding-window rate limiter', () => {
  it('allows the limit per minute, then refuses until the window resets', async () => {
    const { limiter: l, clock } = limiter(3);
    clock.now = T0 + 10_000;
    const decisions = await take(l, 4);
    expect(decisions.map((d) => [d.success, d.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect(decisions[3]).toMatchObject({ limit: 3, reset: T0 + MINUTE });
  });

  it('counts each identifier on its own', async () => {
    const { limiter: l } = limiter(1);
    expect((await l.limit('key:a')).success).toBe(true);
    expect((await l.limit('key:b')).success).toBe(true);
    expect((await l.limit('key:a')).success).toBe(false);
  });

  it('weighs the previous window by how much of it still overlaps', async () => {
    const { limiter: l, clock } = limiter(4);
    clock.now = T0 + 59_000;
    expect((await take(l, 4)).every((d) => d.success)).toBe(true);
    // Half-way through the next window, half of the previous 4 still count: 2 more pass.
    clock.now = T0 + MINUTE + 30_000;
    expect((await take(l, 3)).map((d) => d.success)).toEqual([true, true, false]);
    // A full window later the old requests no longer count.
    clock.now = T0 + 3 * MINUTE;
    expect((await take(l, 4)).every((d) => d.success)).toBe(true);
  });

  it('answers a blocked identifier from memory until its window resets', async () => {
    const { limiter: l, clock } = limiter(1);
    await take(l, 2);
    const fetches = vi.spyOn(globalThis, 'fetch');
    expect((await l.limit('key:a')).success).toBe(false);
    expect(fetches).not.toHaveBeenCalled();
    clock.now = T0 + 2 * MINUTE;
    expect((await l.limit('key:a')).success).toBe(true);
    expect(fetches).toHaveBeenCalledOnce();
  });

  it("keeps @upstash/ratelimit's keys, expiring a window's counter after two windows", async () => {
    const { limiter: l, prefix } = limiter(5);
    await take(l, 2);
    const key = `${prefix}:key:a:${T0 / MINUTE}`;
    const [count, ttl] = await redis.exec('test', [['GET', key], ['PTTL', key]]);
    expect(textOf(count)).toBe('2');
    expect(ttl).toBeGreaterThan(2 * MINUTE);
    expect(ttl).toBeLessThanOrEqual(2 * MINUTE + 1_000);
  });
});
