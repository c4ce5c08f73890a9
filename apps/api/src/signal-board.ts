import type { z } from '@hono/zod-openapi';
import type { Interval } from '@marketpipe/core';
import { fingerprint } from './fingerprint';
import type { SignalSchema } from './openapi/schemas';
import type { Latest, MarketDataReader, SignalsRead } from './ports';

/** One symbol's signal as the list serves it, prepared once per snapshot. */
export interface BoardEntry {
  symbol: string;
  score: number;
  updatedAt: number | null;
  /**
   * The signal's JSON up to where the per-request fields (`ageMs`, `stale`, `marketOpen`)
   * follow, comma included: `JSON.stringify({ ...signal, ...freshness })` is `head` + those
   * fields + `}`, and serialising 1,000 signals once per version instead of per request is
   * most of what the 200 saves.
   */
  head: string;
}

/** Every symbol's signal of one interval as Redis held it at one moment, best score first. */
export interface Snapshot {
  /**
   * A fingerprint of each signal's symbol, computedAt and last-seen time, which change
   * whenever the signal does: the same data has the same id in every isolate, and after a
   * Redis that came back with its counter restarted.
   */
  id: string;
  entries: readonly BoardEntry[];
}

/** The shape the OpenAPI document gives a signal: a core type that drifts from it fails the type-check here. */
type SignalJson = z.infer<typeof SignalSchema>;

function headOf(signal: SignalJson): string {
  const json = JSON.stringify(signal);
  return json.length > 2 ? `${json.slice(0, -1)},` : '{';
}

function prepare(signals: Latest<SignalJson>[]): Snapshot {
  // Ties by name in code-unit order: localeCompare costs an Intl collation per comparison.
  const sorted = [...signals].sort((a, b) => b.value.score - a.value.score || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return {
    id: fingerprint(JSON.stringify(sorted.map(({ symbol, value, updatedAt }) => [symbol, value.computedAt, updatedAt]))),
    entries: sorted.map(({ symbol, value, updatedAt }) => ({ symbol, score: value.score, updatedAt, head: headOf(value) })),
  };
}

/**
 * What this isolate last decoded of each interval's signals, tagged with the collector's write
 * counter (`md:v1:version`) it was read at. Each read is one round trip that returns only that
 * counter while it holds still, so 1,000 signals are fetched, decoded and serialised once per
 * collector cycle rather than once per request, and a write is seen by the very next request.
 */
export class SignalBoard {
  readonly #held = new Map<Interval, { version: string; snapshot: Snapshot }>();

  constructor(private readonly market: MarketDataReader) {}

  async read(interval: Interval): Promise<Snapshot> {
    const held = this.#held.get(interval);
    let read: SignalsRead;
    try {
      read = await this.market.signalsSince(interval, held?.version ?? null);
    } catch (error) {
      // Redis may come back emptied, its counter restarted at a number this isolate has seen.
      this.#held.clear();
      throw error;
    }
    // Only a version this isolate sent back is ever unchanged, and it sent one only with a snapshot.
    if (read.unchanged) return held!.snapshot;
    const snapshot = prepare(read.signals);
    // Without a counter nothing could tell this snapshot outdated: it is not kept.
    if (read.version !== null) this.#held.set(interval, { version: read.version, snapshot });
    return snapshot;
  }
}
