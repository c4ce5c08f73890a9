import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient as createLibsql } from '@libsql/client';
import { createClient } from 'redis';
import { DEFAULT_SYMBOL_SPECS, decodeHeartbeat, decodeSeen, isMarketOpen, type SymbolSpec } from '@marketpipe/core';

export const MINUTE = 60_000;

/** n FX-like symbols (the sim trades them around the clock) written to a SYMBOLS_FILE in `dir`. */
export function shardSymbols(dir: string, n: number): { specs: SymbolSpec[]; file: string } {
  const base = DEFAULT_SYMBOL_SPECS[0]!;
  const specs = Array.from({ length: n }, (_, i) => ({ ...base, symbol: `SY${String(i).padStart(2, '0')}`, brokers: {} }));
  const file = join(dir, 'symbols.json');
  writeFileSync(file, JSON.stringify(specs));
  return { specs, file };
}

export interface Sample {
  at: number;
  /** symbols per collector whose heartbeat is live (refreshed within `liveMs`) */
  live: Map<string, string[]>;
  /** the `at` of each live heartbeat */
  beatAt: Map<string, number>;
  /** when each symbol was last polled successfully (md:v1:seen) */
  seen: Map<string, number>;
}

/** Reads what an operator sees: the collectors' heartbeats and the seen hash. */
export async function observer(redisUrl: string, prefix: string, ids: readonly string[], liveMs: number) {
  const client = createClient({ url: redisUrl });
  client.on('error', () => undefined);
  await client.connect();
  return {
    async sample(): Promise<Sample> {
      const at = Date.now();
      const beats = await client.mGet(ids.map((id) => `${prefix}collector:${id}:heartbeat`));
      const live = new Map<string, string[]>();
      const beatAt = new Map<string, number>();
      ids.forEach((id, i) => {
        const hb = decodeHeartbeat(beats[i] ?? null);
        if (hb && at - hb.at < liveMs) {
          live.set(id, hb.symbols);
          beatAt.set(id, hb.at);
        }
      });
      const seen = new Map<string, number>();
      for (const [s, v] of Object.entries(await client.hGetAll(`${prefix}seen`))) seen.set(s, decodeSeen(v) ?? 0);
      return { at, live, beatAt, seen };
    },
    /** writer changes the fenced writes logged: symbol, from, to, Redis time (ms) */
    async handovers(): Promise<{ symbol: string; from: string; to: string; at: number }[]> {
      return (await client.lRange(`${prefix}shard:handovers`, 0, -1)).map((line) => {
        const [symbol, from, to, at] = line.split(' ');
        return { symbol: symbol!, from: from!, to: to!, at: Number(at) };
      });
    },
    close: () => client.destroy(),
  };
}

/** Symbols listed by two live heartbeats, and symbols listed by none. */
export function overlapAndMissing(sample: Sample, symbols: readonly string[]): { twice: string[]; missing: string[] } {
  const count = new Map<string, number>();
  for (const list of sample.live.values()) for (const s of list) count.set(s, (count.get(s) ?? 0) + 1);
  return { twice: [...count].filter(([, n]) => n > 1).map(([s]) => s), missing: symbols.filter((s) => !count.has(s)) };
}

/** Per symbol: duplicate rows and in-session minutes missing between its first and last bar, from the libSQL file. */
export async function historyFaults(dbUrl: string, specs: readonly SymbolSpec[]): Promise<{ holes: string[]; duplicates: string[]; bars: number; lastTs: Map<string, number> }> {
  const db = createLibsql({ url: dbUrl });
  try {
    const rs = await db.execute("SELECT symbol, ts FROM bars WHERE interval = '1m' ORDER BY symbol, ts");
    const bySymbol = new Map<string, number[]>();
    for (const r of rs.rows) {
      const list = bySymbol.get(String(r.symbol)) ?? [];
      list.push(Number(r.ts));
      bySymbol.set(String(r.symbol), list);
    }
    const holes: string[] = [];
    const duplicates: string[] = [];
    const lastTs = new Map<string, number>();
    for (const spec of specs) {
      const ts = bySymbol.get(spec.symbol) ?? [];
      const have = new Set(ts);
      if (have.size !== ts.length) duplicates.push(spec.symbol);
      if (ts.length === 0) continue;
      lastTs.set(spec.symbol, ts.at(-1)!);
      for (let t = ts[0]!; t <= ts.at(-1)!; t += MINUTE) {
        if (!have.has(t) && isMarketOpen(spec.session, t)) holes.push(`${spec.symbol}@${new Date(t).toISOString()}`);
      }
    }
    return { holes, duplicates, bars: rs.rows.length, lastTs };
  } finally {
    db.close();
  }
}

/**
 * Symbols two collectors both held across a cycle: listed by both in this sample and the
 * previous one, with both heartbeats rewritten in between. (A symbol handed over shows in the
 * releaser's last heartbeat until its next one, a cycle later; that is not a double.)
 */
export function heldTwice(prev: Sample, cur: Sample): string[] {
  const out: string[] = [];
  const ids = [...cur.live.keys()];
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const [x, y] = [ids[i]!, ids[j]!];
      const fresh = [x, y].every((id) => prev.beatAt.has(id) && prev.beatAt.get(id) !== cur.beatAt.get(id));
      if (!fresh) continue;
      const both = (s: Sample) => new Set(s.live.get(x)!.filter((sym) => s.live.get(y)!.includes(sym)));
      const before = both(prev);
      for (const sym of both(cur)) if (before.has(sym)) out.push(`${sym} (${x}, ${y})`);
    }
  }
  return out;
}
