import { encodeBar, encodeHeartbeat, encodeSeen, type Bar, type Interval, type RedisKeys } from '@marketpipe/core';
import type { CycleWrite, FinalSpan, HotWindow } from '../ports';
import type { BinaryRedisClient } from '../redis/client';
import type { RedisBarWindow } from '../redis/redis-bar-window';
import { FENCED_CYCLE_LUA, type ShardKeys } from './lease-scripts';
import { Script, withScripts } from './scripts';

const FENCED_CYCLE = new Script(FENCED_CYCLE_LUA);
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** One symbol's share of a cycle's write: fields to set in hashes, bars to upsert in sorted sets. */
interface Share {
  hashes: [key: string, value: Buffer | string][];
  bars: Map<string, (Buffer | string)[]>;
}

/** A higher timeframe's part of a write, read structurally (the same kinds of values as 1m). */
interface IntervalPart {
  forming: readonly Bar[];
  finals: readonly Bar[];
  features: ReadonlyMap<string, Uint8Array>;
  signals: ReadonlyMap<string, Uint8Array>;
  states?: ReadonlyMap<string, Uint8Array>;
  sentByThread?: unknown;
}

export interface FencedWindowDeps {
  client: BinaryRedisClient;
  keys: RedisKeys;
  shardKeys: ShardKeys;
  /** reads (and everything that is not a symbol's write) go to the plain window */
  inner: RedisBarWindow;
  /** this process's lease token */
  token: string;
  collectorId: string;
  windowBars: number;
  /** symbols whose write was refused because their lease is no longer ours */
  onFenced: (symbols: string[]) => void;
}

/**
 * The hot window in lease mode: a cycle's writes of every symbol (forming, finals, features,
 * signal, state, seen) go to Redis as one Lua script, which writes a symbol's part only if the
 * symbol's lease still holds this process's token — one command per cycle, whatever the number
 * of symbols (a per-symbol script would cost a command per symbol per second on a per-command
 * bill). The heartbeat goes in the same script, listing only the symbols still held; the symbol
 * specs belong to no symbol and are written as before.
 */
export class FencedWindow implements HotWindow {
  constructor(private readonly deps: FencedWindowDeps) {}

  async writeCycle(w: CycleWrite): Promise<void> {
    const { client, keys, shardKeys, token, collectorId, windowBars } = this.deps;
    const shares = this.#split(w);
    const hb = w.heartbeat;
    // The heartbeat's JSON around its symbols array, which the script fills with the symbols still held.
    const empty = hb ? encodeHeartbeat({ ...hb.value, symbols: [] }) : '';
    const cut = empty.lastIndexOf('[]');
    const [before, after] = [empty.slice(0, cut), empty.slice(cut + 2)];
    const scriptKeys: string[] = [shardKeys.writer, shardKeys.handovers, keys.heartbeat(hb?.collectorId ?? collectorId)];
    const args: (string | Buffer)[] = [token, collectorId, String(windowBars), String(shares.size), hb ? `${before}[` : '', `]${after}`, String(hb?.ttlSeconds ?? 0), String(hb?.value.symbols.length ?? 0)];
    for (const [symbol, share] of shares) {
      const bars = [...share.bars];
      scriptKeys.push(shardKeys.lease(symbol));
      for (const [k] of share.hashes) scriptKeys.push(k);
      for (const [k] of bars) scriptKeys.push(k);
      args.push(symbol, String(1 + share.hashes.length + bars.length), String(share.hashes.length));
      for (const [, v] of share.hashes) args.push(v);
      for (const [, flat] of bars) args.push(String(flat.length / 2), ...flat);
    }
    for (const symbol of hb?.value.symbols ?? []) {
      scriptKeys.push(shardKeys.lease(symbol));
      args.push(JSON.stringify(symbol));
    }
    const send = () => {
      const multi = client.multi();
      multi.evalSha(FENCED_CYCLE.sha, { keys: scriptKeys, arguments: args });
      if (w.specs) multi.set(keys.symbols, JSON.stringify(w.specs));
      if (!w.partial) multi.incr(keys.version);
      return multi.execAsPipeline();
    };
    this.deps.inner.roundTrips++;
    const replies = (await withScripts(client, [FENCED_CYCLE], send)) as unknown[];
    const fenced = (replies[0] as unknown[]).map(String);
    if (fenced.length > 0) this.deps.onFenced(fenced);
  }

  #split(w: CycleWrite): Map<string, Share> {
    const { keys } = this.deps;
    const shares = new Map<string, Share>();
    const share = (symbol: string) => {
      let s = shares.get(symbol);
      if (!s) shares.set(symbol, (s = { hashes: [], bars: new Map() }));
      return s;
    };
    const addPart = (p: IntervalPart, k: { forming: string; features: string; signals: string; state: string }) => {
      // Hash writes the timeframe thread sent itself were not fenced: lease mode keeps the timeframes in-process (config).
      if (p.sentByThread) throw new TypeError('a fenced window cannot take timeframe writes the thread sent unfenced (TIMEFRAME_THREAD with SHARD_MODE=lease)');
      for (const bar of p.forming) share(bar.symbol).hashes.push([k.forming, asBuffer(encodeBar(bar))]);
      for (const [s, v] of p.features) share(s).hashes.push([k.features, asBuffer(v)]);
      for (const [s, v] of p.signals) share(s).hashes.push([k.signals, asBuffer(v)]);
      for (const [s, v] of p.states ?? []) share(s).hashes.push([k.state, asBuffer(v)]);
      for (const bar of p.finals) {
        const bars = share(bar.symbol).bars;
        const key = keys.bars(bar.symbol, bar.interval);
        let flat = bars.get(key);
        if (!flat) bars.set(key, (flat = []));
        flat.push(String(bar.ts), asBuffer(encodeBar(bar)));
      }
    };
    addPart(w, keys);
    const higher = (w as { higher?: ReadonlyMap<Interval, IntervalPart> }).higher;
    for (const [interval, part] of higher ?? []) {
      addPart(part, { forming: keys.formingOf(interval), features: keys.featuresOf(interval), signals: keys.signalsOf(interval), state: keys.stateOf(interval) });
    }
    const seen = encodeSeen(w.seen.at);
    for (const s of w.seen.symbols) share(s).hashes.push([keys.seen, seen]);
    return shares;
  }

  lastFinalTs(symbols: readonly string[], interval?: Interval): Promise<Map<string, number | null>> {
    return this.deps.inner.lastFinalTs(symbols, interval);
  }

  finalSpan(symbols: readonly string[], interval: Interval): Promise<Map<string, FinalSpan | null>> {
    return this.deps.inner.finalSpan(symbols, interval);
  }

  finals(symbol: string, from?: number, to?: number, interval?: Interval): Promise<Bar[]> {
    return this.deps.inner.finals(symbol, from, to, interval);
  }

  loadStates(symbols: readonly string[], interval?: Interval): Promise<Map<string, Uint8Array>> {
    return this.deps.inner.loadStates(symbols, interval);
  }

  ping(): Promise<void> {
    return this.deps.inner.ping();
  }
}
