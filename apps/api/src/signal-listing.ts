import { isMarketOpen, type Interval, type SessionSpec, type SymbolRegistry } from '@marketpipe/core';
import { fingerprint } from './fingerprint';
import { isStale } from './freshness';
import type { BoardEntry, Snapshot } from './signal-board';

export interface ListingQuery {
  now: number;
  staleAfterMs: number;
  interval: Interval;
  minScore: number;
  allowStale: boolean;
}

/** The list at one instant for one query. */
export interface ListingView {
  /**
   * What the ETag is a version of: the snapshot, the registry, the query and the freshness
   * flags, everything the body depends on but `ageMs`; a few values, whatever the body's size.
   */
  version: unknown[];
  /** The JSON body, `{ interval, items }`; built only when asked for (not for a 304). */
  body(): string;
}

/**
 * A snapshot joined with the symbol registry: the signals of known symbols, each with the
 * index of its trading session, so a request computes whether a market is open once per
 * distinct session (a handful for 1,000 symbols) and nothing per item but its age.
 */
export class SignalListing {
  readonly #entries: BoardEntry[] = [];
  readonly #sessionOf: number[] = [];
  readonly #sessions: SessionSpec[] = [];
  readonly #id: string;

  constructor(snapshot: Snapshot, registry: SymbolRegistry) {
    const index = new Map<string, number>();
    for (const entry of snapshot.entries) {
      const spec = registry.get(entry.symbol);
      if (!spec) continue;
      const { timezone, open, close } = spec.session;
      const key = `${timezone} ${open} ${close}`;
      let i = index.get(key);
      if (i === undefined) index.set(key, (i = this.#sessions.push(spec.session) - 1));
      this.#entries.push(entry);
      this.#sessionOf.push(i);
    }
    this.#id = fingerprint(JSON.stringify([snapshot.id, [...index.keys()], this.#entries.map((e) => e.symbol), this.#sessionOf]));
  }

  at({ now, staleAfterMs, interval, minScore, allowStale }: ListingQuery): ListingView {
    const open = this.#sessions.map((session) => isMarketOpen(session, now));
    const ageOf = (entry: BoardEntry) => (entry.updatedAt === null ? null : Math.max(0, now - entry.updatedAt));
    // Within one snapshot and one set of open sessions, the stale signals are those of open
    // sessions last seen before now − staleAfterMs: the oldest ones, so their count tells
    // which they are and the tag needs no list of them.
    let staleCount = 0;
    for (let i = 0; i < this.#entries.length; i++) {
      const entry = this.#entries[i]!;
      if (!(entry.score < minScore) && isStale(ageOf(entry), open[this.#sessionOf[i]!]!, staleAfterMs)) staleCount++;
    }
    return {
      version: [this.#id, interval, minScore, allowStale, open, staleCount],
      body: () => {
        const items: string[] = [];
        for (let i = 0; i < this.#entries.length; i++) {
          const entry = this.#entries[i]!;
          if (entry.score < minScore) continue;
          const marketOpen = open[this.#sessionOf[i]!]!;
          const ageMs = ageOf(entry);
          const stale = isStale(ageMs, marketOpen, staleAfterMs);
          if (stale && !allowStale) continue;
          items.push(`${entry.head}"ageMs":${ageMs},"stale":${stale},"marketOpen":${marketOpen}}`);
        }
        return `{"interval":${JSON.stringify(interval)},"items":[${items.join(',')}]}`;
      },
    };
  }
}

const joined = new WeakMap<Snapshot, { registry: SymbolRegistry; listing: SignalListing }>();

/** The snapshot's listing under `registry`, joined once per pair (the registry is reloaded every few seconds). */
export function listingOf(snapshot: Snapshot, registry: SymbolRegistry): SignalListing {
  const hit = joined.get(snapshot);
  if (hit?.registry === registry) return hit.listing;
  const listing = new SignalListing(snapshot, registry);
  joined.set(snapshot, { registry, listing });
  return listing;
}
