import {
  decodeBar,
  decodeHeartbeat,
  decodeSeen,
  decodeFeatures,
  decodeSignal,
  INTERVALS,
  SymbolSpecListSchema,
  type Bar,
  type Features,
  type Interval,
  type RedisKeys,
  type Signal,
  type SymbolSpec,
} from '@marketpipe/core';
import { UpstreamError } from '../errors';
import type { BarsSnapshot, Heartbeat, Latest, MarketDataReader, SignalsRead } from '../ports';
import type { LiveSymbol } from '../stream/messages';
import { textOf, type BinaryPipeline, type BinaryReply } from './binary-pipeline';
import { LuaScript } from './lua-script';

const bytesOrNull = (r: BinaryReply | undefined): Uint8Array | null => (r instanceof Uint8Array ? r : null);
const list = (r: BinaryReply | undefined): BinaryReply[] => (Array.isArray(r) ? r : []);

const seenAt = (r: BinaryReply | undefined): number | null => decodeSeen(bytesOrNull(r));

/**
 * KEYS: the version counter, the signals hash, the last-seen hash; ARGV: the version the
 * caller holds ('' for none). Replies {version} while that is current, else {version, the
 * signals, the last-seen times}: a script, so the comparison and the reads see one state of
 * Redis, and the unchanged case costs one round trip of a few bytes. Plain commands on
 * declared keys: it runs on Upstash as on Redis. A missing version (a collector older than
 * the counter, or a hand-written store) never compares equal: every read is then full.
 */
const SIGNALS_SINCE = new LuaScript(`local version = redis.call("GET", KEYS[1])
if version and ARGV[1] ~= "" and version == ARGV[1] then return {version} end
return {version, redis.call("HGETALL", KEYS[2]), redis.call("HGETALL", KEYS[3])}`);

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

  /** One round trip: the newest `limit` final bars of `interval`, its forming bar, and when the symbol was last seen. */
  bars(symbol: string, interval: Interval, limit: number): Promise<BarsSnapshot> {
    return upstream('reading bars', async () => {
      const [finals, forming, seen] = await this.binary.exec('reading bars', [
        ['ZRANGE', this.keys.bars(symbol, interval), '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, limit],
        ['HGET', this.keys.formingOf(interval), symbol],
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

  /** One round trip: HMGET of the `interval` features and of the last-seen times. */
  features(symbols: readonly string[], interval: Interval): Promise<Latest<Features>[]> {
    return upstream('reading features', async () => {
      if (symbols.length === 0) return [];
      const [values, seen] = await this.binary.exec('reading features', [
        ['HMGET', this.keys.featuresOf(interval), ...symbols],
        ['HMGET', this.keys.seen, ...symbols],
      ]);
      return this.#latest(symbols, list(values), list(seen), decodeFeatures);
    });
  }

  /** One round trip: HMGET of the `interval` signals and of the last-seen times. */
  signals(interval: Interval, symbols: readonly string[]): Promise<Latest<Signal>[]> {
    return upstream('reading signals', async () => {
      if (symbols.length === 0) return [];
      const [values, seen] = await this.binary.exec('reading signals', [
        ['HMGET', this.keys.signalsOf(interval), ...symbols],
        ['HMGET', this.keys.seen, ...symbols],
      ]);
      return this.#latest(symbols, list(values), list(seen), decodeSignal);
    });
  }

  /**
   * One round trip (SIGNALS_SINCE): the version alone while it is still `known`, a few bytes;
   * else the version and the HGETALLs of the `interval` signals and of the last-seen times.
   */
  signalsSince(interval: Interval, known: string | null): Promise<SignalsRead> {
    return upstream('reading signals', async () => {
      const keys = [this.keys.version, this.keys.signalsOf(interval), this.keys.seen];
      const [version = null, all, seenAll] = list(await SIGNALS_SINCE.run(this.binary, 'reading signals', keys, [known ?? '']));
      const stamp = textOf(version);
      if (all === undefined && stamp !== null) return { unchanged: true, version: stamp };
      const seenBySymbol = new Map<string, BinaryReply>();
      const flatSeen = list(seenAll);
      for (let i = 0; i + 1 < flatSeen.length; i += 2) seenBySymbol.set(textOf(flatSeen[i]) ?? '', flatSeen[i + 1]!);
      const flat = list(all);
      const signals: Latest<Signal>[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const symbol = textOf(flat[i]) ?? '';
        const bytes = bytesOrNull(flat[i + 1]);
        if (bytes) signals.push({ symbol, value: decodeSignal(bytes), updatedAt: seenAt(seenBySymbol.get(symbol)) });
      }
      return { unchanged: false, version: stamp, signals };
    });
  }

  /** One round trip: which of the seven intervals' features (or signals) hashes exist. */
  computedIntervals(kind: 'features' | 'signals'): Promise<Interval[]> {
    return upstream(`reading the ${kind} intervals`, async () => {
      const keyOf = (iv: Interval) => (kind === 'features' ? this.keys.featuresOf(iv) : this.keys.signalsOf(iv));
      const exists = await this.binary.exec(`reading the ${kind} intervals`, INTERVALS.map((iv) => ['EXISTS', keyOf(iv)]));
      return INTERVALS.filter((_, i) => exists[i] === 1);
    });
  }

  ping(): Promise<void> {
    return upstream('PING', async () => {
      await this.binary.exec('PING', [['PING']]);
    });
  }

  /**
   * The push stream's one read per second (apps/api/src/stream): each symbol's forming bar,
   * newest final bar, features and signal of `interval`, and when it was last seen, in one round
   * trip of 4 + one ZRANGE per symbol commands, however many clients listen.
   */
  live(symbols: readonly string[], interval: Interval): Promise<LiveSymbol[]> {
    return upstream('reading the stream', async () => {
      if (symbols.length === 0) return [];
      const [forming, features, signals, seen, ...finals] = await this.binary.exec('reading the stream', [
        ['HMGET', this.keys.formingOf(interval), ...symbols],
        ['HMGET', this.keys.featuresOf(interval), ...symbols],
        ['HMGET', this.keys.signalsOf(interval), ...symbols],
        ['HMGET', this.keys.seen, ...symbols],
        ...symbols.map((s) => ['ZRANGE', this.keys.bars(s, interval), '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, 1]),
      ]);
      const decoded = <T>(reply: BinaryReply | undefined, decode: (b: Uint8Array) => T): T | null => {
        const bytes = bytesOrNull(reply);
        return bytes ? decode(bytes) : null;
      };
      return symbols.map((symbol, i) => ({
        symbol,
        forming: decoded(list(forming)[i], decodeBar),
        final: decoded(list(finals[i])[0], decodeBar),
        features: decoded(list(features)[i], decodeFeatures),
        signal: decoded(list(signals)[i], decodeSignal),
        updatedAt: seenAt(list(seen)[i]),
      }));
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
