import {
  decodeBar,
  decodeHeartbeat,
  decodeSeen,
  decodeFeatures,
  decodeSignal,
  SymbolSpecListSchema,
  type Bar,
  type Features,
  type Interval,
  type RedisKeys,
  type Signal,
  type SymbolSpec,
} from '@marketpipe/core';
import { UpstreamError } from '../errors';
import type { BarsSnapshot, Heartbeat, Latest, MarketDataReader } from '../ports';
import { textOf, type BinaryPipeline, type BinaryReply } from './binary-pipeline';

const bytesOrNull = (r: BinaryReply | undefined): Uint8Array | null => (r instanceof Uint8Array ? r : null);
const list = (r: BinaryReply | undefined): BinaryReply[] => (Array.isArray(r) ? r : []);

const seenAt = (r: BinaryReply | undefined): number | null => decodeSeen(bytesOrNull(r));

/**
 * Upstream failures are 503s. The REST calls name their own failure; what is left is data
 * that would not decode.
 */
async function upstream<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    if (cause instanceof UpstreamError) throw cause;
    throw new UpstreamError(`${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * Market data from Redis over the Upstash REST protocol, as the bytes Redis holds: msgpack
 * values (bars, features, signals) decoded by core's codec, JSON ones (symbols, heartbeats)
 * parsed from their text.
 */
export class UpstashMarketDataReader implements MarketDataReader {
  constructor(
    private readonly binary: BinaryPipeline,
    private readonly keys: RedisKeys,
  ) {}

  symbols(): Promise<SymbolSpec[]> {
    return upstream('reading symbols', async () => {
      const json = textOf((await this.binary.exec('reading symbols', [['GET', this.keys.symbols]]))[0]);
      return json === null ? [] : SymbolSpecListSchema.parse(JSON.parse(json));
    });
  }

  /** One round trip: the newest `limit` final bars, the forming bar, and when the symbol was last seen. */
  bars(symbol: string, interval: Interval, limit: number): Promise<BarsSnapshot> {
    return upstream('reading bars', async () => {
      const [finals, forming, seen] = await this.binary.exec('reading bars', [
        ['ZRANGE', this.keys.bars(symbol, interval), '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, limit],
        ['HGET', this.keys.forming, symbol],
        ['HGET', this.keys.seen, symbol],
      ]);
      const bars: Bar[] = list(finals).flatMap((m) => (m instanceof Uint8Array ? [decodeBar(m)] : [])).reverse();
      const formingBytes = bytesOrNull(forming);
      const live = formingBytes ? decodeBar(formingBytes) : null;
      const last = bars.at(-1);
      // Between a minute's end and the next cycle the forming bar may still be the one that
      // was just finalised: the final bar wins.
      if (live && (!last || live.ts > last.ts)) bars.push(live);
      return { bars: bars.slice(-limit), updatedAt: seenAt(seen) };
    });
  }

  heartbeats(): Promise<Heartbeat[]> {
    return upstream('reading heartbeats', async () => {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [reply] = await this.binary.exec('reading heartbeats', [['SCAN', cursor, 'MATCH', this.keys.heartbeatPattern(), 'COUNT', 1000]]);
        const [next, page] = list(reply);
        cursor = textOf(next) ?? '0';
        keys.push(...list(page).flatMap((k) => textOf(k) ?? []));
      } while (cursor !== '0');
      if (keys.length === 0) return [];
      const values = list((await this.binary.exec('reading heartbeats', [['MGET', ...keys]]))[0]);
      return keys.flatMap((key, i) => {
        const heartbeat = decodeHeartbeat(textOf(values[i]));
        return heartbeat ? [{ id: this.#collectorId(key), ...heartbeat }] : [];
      });
    });
  }

  /** One round trip: HMGET of the features and of the last-seen times. */
  features(symbols: readonly string[]): Promise<Latest<Features>[]> {
    return upstream('reading features', async () => {
      if (symbols.length === 0) return [];
      const [values, seen] = await this.binary.exec('reading features', [
        ['HMGET', this.keys.features, ...symbols],
        ['HMGET', this.keys.seen, ...symbols],
      ]);
      return this.#latest(symbols, list(values), list(seen), decodeFeatures);
    });
  }

  /** One round trip: the signals (HMGET, or HGETALL for all) and the last-seen times. */
  signals(symbols?: readonly string[]): Promise<Latest<Signal>[]> {
    return upstream('reading signals', async () => {
      if (symbols) {
        if (symbols.length === 0) return [];
        const [values, seen] = await this.binary.exec('reading signals', [
          ['HMGET', this.keys.signals, ...symbols],
          ['HMGET', this.keys.seen, ...symbols],
        ]);
        return this.#latest(symbols, list(values), list(seen), decodeSignal);
      }
      const [all, seenAll] = await this.binary.exec('reading signals', [
        ['HGETALL', this.keys.signals],
        ['HGETALL', this.keys.seen],
      ]);
      const seenBySymbol = new Map<string, BinaryReply>();
      const flatSeen = list(seenAll);
      for (let i = 0; i + 1 < flatSeen.length; i += 2) seenBySymbol.set(textOf(flatSeen[i]) ?? '', flatSeen[i + 1]!);
      const flat = list(all);
      const out: Latest<Signal>[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const symbol = textOf(flat[i]) ?? '';
        const bytes = bytesOrNull(flat[i + 1]);
        if (bytes) out.push({ symbol, value: decodeSignal(bytes), updatedAt: seenAt(seenBySymbol.get(symbol)) });
      }
      return out;
    });
  }

  #latest<T>(symbols: readonly string[], values: BinaryReply[], seen: BinaryReply[], decode: (b: Uint8Array) => T): Latest<T>[] {
    return symbols.flatMap((symbol, i) => {
      const bytes = bytesOrNull(values[i]);
      return bytes ? [{ symbol, value: decode(bytes), updatedAt: seenAt(seen[i]) }] : [];
    });
  }

  #collectorId(key: string): string {
    const [head = '', tail = ''] = this.keys.heartbeatPattern().split('*');
    return key.slice(head.length, key.length - tail.length);
  }
}
