import type { Redis } from '@upstash/redis/cloudflare';
import { decodeBar, SymbolSpecListSchema, type Bar, type Interval, type RedisKeys, type SymbolSpec } from '@marketpipe/core';
import { z } from 'zod';
import { UpstreamError } from '../errors';
import type { BarsSnapshot, Heartbeat, MarketDataReader } from '../ports';
import type { BinaryPipeline, BinaryReply } from './binary-pipeline';

const HeartbeatSchema = z.object({
  at: z.number(),
  cycle: z.number(),
  version: z.string(),
  symbols: z.array(z.string()),
});

const text = new TextDecoder();
const bytesOrNull = (r: BinaryReply | undefined): Uint8Array | null => (r instanceof Uint8Array ? r : null);

/** Upstream failures are 503s, whatever the client threw. */
async function upstream<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    if (cause instanceof UpstreamError) throw cause;
    throw new UpstreamError(`reading ${what} from Redis failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * Market data from Redis over the Upstash REST protocol. msgpack values (bars) go through the
 * binary-safe pipeline; JSON values (symbols, heartbeats) through `@upstash/redis`.
 */
export class UpstashMarketDataReader implements MarketDataReader {
  constructor(
    private readonly redis: Redis,
    private readonly binary: BinaryPipeline,
    private readonly keys: RedisKeys,
  ) {}

  symbols(): Promise<SymbolSpec[]> {
    return upstream('symbols', async () => {
      const value = await this.redis.get<unknown>(this.keys.symbols);
      return value === null ? [] : SymbolSpecListSchema.parse(value);
    });
  }

  /** One round trip: the newest `limit` final bars, the forming bar, and when the symbol was last seen. */
  bars(symbol: string, interval: Interval, limit: number): Promise<BarsSnapshot> {
    return upstream('bars', async () => {
      const [finals, forming, seen] = await this.binary.exec([
        ['ZRANGE', this.keys.bars(symbol, interval), '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, limit],
        ['HGET', this.keys.forming, symbol],
        ['HGET', this.keys.seen, symbol],
      ]);
      const bars: Bar[] = (Array.isArray(finals) ? finals : []).flatMap((m) => (m instanceof Uint8Array ? [decodeBar(m)] : [])).reverse();
      const formingBytes = bytesOrNull(forming);
      const live = formingBytes ? decodeBar(formingBytes) : null;
      const last = bars.at(-1);
      // Between a minute's end and the next cycle the forming bar may still be the one that
      // was just finalised: the final bar wins.
      if (live && (!last || live.ts > last.ts)) bars.push(live);
      const seenBytes = bytesOrNull(seen);
      const updatedAt = seenBytes ? Number(text.decode(seenBytes)) : NaN;
      return { bars: bars.slice(-limit), updatedAt: Number.isFinite(updatedAt) ? updatedAt : null };
    });
  }

  heartbeats(): Promise<Heartbeat[]> {
    return upstream('heartbeats', async () => {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, page] = await this.redis.scan(cursor, { match: this.keys.heartbeatPattern(), count: 1000 });
        cursor = String(next);
        keys.push(...page);
      } while (cursor !== '0');
      if (keys.length === 0) return [];
      const values = await this.redis.mget<unknown[]>(...keys);
      return keys.flatMap((key, i) => {
        const parsed = HeartbeatSchema.safeParse(values[i]);
        return parsed.success ? [{ id: this.#collectorId(key), ...parsed.data }] : [];
      });
    });
  }

  #collectorId(key: string): string {
    const [head = '', tail = ''] = this.keys.heartbeatPattern().split('*');
    return key.slice(head.length, key.length - tail.length);
  }
}
