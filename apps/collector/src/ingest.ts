import type { Bar, Reject, SymbolSpec } from '@marketpipe/core';
import { INTERVAL_MS, SpikeGuard, fillGaps } from '@marketpipe/core';
import type { CollectorMetrics } from './metrics';
import type { SourceResult } from './ports';


/** Where a symbol stands: everything at or before `lastFinalTs` is committed. */
export interface SymbolCursor {
  readonly spec: SymbolSpec;
  lastFinalTs: number;
  /** the last committed final bar, the base for gap filling */
  lastFinal: Bar | null;
  /** the forming bar last committed (shown, not final) */
  forming: Bar | null;
  /** a minute whose bar was refused: polls that stopped before it, so it can be fetched again */
  held: { ts: number; polls: number } | null;
}

/**
 * Polls that may stop before a minute whose bar was refused (a bad tick the provider may
 * correct, or the next provider may serve) before the gap policy fills it flat. Without the
 * hold, a good bar after a refused one would fill the refused minute at once, for good.
 */
export const MAX_HOLD_POLLS = 3;

/** In-session gaps up to this many bars are filled flat; longer ones are left for a backfill. */
export const MAX_FILL_BARS = 60;

/** What of one answer is accepted, not yet committed: the cursor has not moved. */
export interface Accepted {
  finals: Bar[];
  /** the current minute's bar when it changed since the last commit */
  forming: Bar | null;
  /** bars the spike guard held back */
  spikes: number;
  /** the refused minute the finals stop before, if any */
  held: number | null;
}

export function newCursor(spec: SymbolSpec, last: Bar | null): SymbolCursor {
  return { spec, lastFinalTs: last?.ts ?? Number.NEGATIVE_INFINITY, lastFinal: last, forming: null, held: null };
}

/**
 * The one place that decides which bars are accepted, for live polling and history alike:
 * validated bars from the provider chain → spike guard → in-session gap filling → final vs
 * forming. `accept` never moves the cursor; `advance` does, and the caller calls it only once
 * the finals are safely buffered for history, so a failure in between loses nothing.
 */
export class BarIngest {
  readonly #spikes = new SpikeGuard();

  constructor(private readonly deps: { metrics: CollectorMetrics; maxFillBars?: number }) {}

  accept(cursor: SymbolCursor, result: SourceResult, currentMinute: number): Accepted {
    let spikes = 0;
    const screened = screenBars(this.#spikes, cursor, result.bars, currentMinute, this.deps.maxFillBars ?? MAX_FILL_BARS, (r) => {
      this.deps.metrics.rejects.inc({ reason: r.reason, provider: result.provider ?? 'none' });
      spikes++;
    });
    const { finals, forming } = split(cursor, screened, currentMinute);
    const changed = forming !== null && !sameBar(forming, cursor.forming) ? forming : null;
    const refused = firstRefused(cursor, result, currentMinute);
    const polls = cursor.held?.ts === refused ? cursor.held.polls : 0;
    if (refused !== null && polls < MAX_HOLD_POLLS) {
      return { finals: finals.filter((b) => b.ts < refused), forming: changed, spikes, held: refused };
    }
    return { finals, forming: changed, spikes, held: null };
  }

  /** Commits what `accept` returned: the cursor moves past its finals. */
  advance(cursor: SymbolCursor, accepted: Accepted): void {
    cursor.held = accepted.held === null ? null : { ts: accepted.held, polls: cursor.held?.ts === accepted.held ? cursor.held.polls + 1 : 1 };
    const last = accepted.finals.at(-1);
    if (last) {
      cursor.lastFinalTs = last.ts;
      cursor.lastFinal = last;
    }
    if (accepted.forming) cursor.forming = accepted.forming;
    else if (cursor.forming && cursor.forming.ts <= cursor.lastFinalTs) cursor.forming = null;
  }
}

/** The earliest final minute after the cursor whose bar validation refused, or null. */
function firstRefused(cursor: SymbolCursor, result: SourceResult, currentMinute: number): number | null {
  let first: number | null = null;
  for (const r of result.rejects) {
    if (r.ts !== undefined && r.ts > cursor.lastFinalTs && r.ts < currentMinute && (first === null || r.ts < first)) first = r.ts;
  }
  return first;
}

/**
 * The acceptance rules every bar passes, live or history (a bootstrap's chunks): only bars
 * after the cursor and at most `upTo`, through the spike guard, oldest first, with each
 * in-session gap before an observed bar filled (only gaps followed by a real bar: a provider
 * that is merely late is not overtaken). Spike rejects go to `onSpike`.
 */
export function screenBars(
  guard: SpikeGuard,
  cursor: Pick<SymbolCursor, 'spec' | 'lastFinalTs' | 'lastFinal'>,
  bars: readonly Bar[],
  upTo: number,
  maxFillBars: number,
  onSpike: (reject: Reject) => void,
): Bar[] {
  const fresh: Bar[] = [];
  for (const bar of bars) {
    if (bar.ts <= cursor.lastFinalTs || bar.ts > upTo) continue;
    const checked = guard.offer(bar);
    for (const b of checked.accepted) fresh.push(b);
    for (const r of checked.rejects) onSpike(r);
  }
  let ordered = true;
  for (let i = 1; i < fresh.length && ordered; i++) ordered = fresh[i - 1]!.ts < fresh[i]!.ts;
  const sorted = ordered ? fresh : fresh.sort((a, b) => a.ts - b.ts);
  if (consecutive(cursor.lastFinal, sorted)) return sorted; // no gap to fill: the common poll, without fillGaps' copies
  if (!cursor.lastFinal) return fillGaps(sorted, cursor.spec.session, { maxFillBars }).bars;
  return fillGaps([cursor.lastFinal, ...sorted], cursor.spec.session, { maxFillBars }).bars.slice(1);
}

/** Each bar one interval after the one before it (the first after `last`, when there is one): nothing for fillGaps to do. */
function consecutive(last: Bar | null, bars: readonly Bar[]): boolean {
  let prev = last ?? bars[0];
  for (let i = last ? 0 : 1; i < bars.length; i++) {
    const bar = bars[i]!;
    if (bar.ts - prev!.ts !== INTERVAL_MS[prev!.interval]) return false;
    prev = bar;
  }
  return true;
}

/** Bars before the current minute are final, the current minute's is forming. */
function split(cursor: SymbolCursor, screened: readonly Bar[], currentMinute: number): { finals: Bar[]; forming: Bar | null } {
  const finals: Bar[] = [];
  let forming: Bar | null = null;
  let lastTs = cursor.lastFinalTs;
  for (const bar of screened) {
    if (bar.ts <= lastTs) continue;
    if (bar.ts < currentMinute) {
      finals.push({ ...bar, final: true });
      lastTs = bar.ts;
    } else if (bar.ts === currentMinute) {
      forming = { ...bar, final: false };
    }
  }
  return { finals, forming };
}

function sameBar(a: Bar, b: Bar | null): boolean {
  return (
    b !== null &&
    a.ts === b.ts &&
    a.close === b.close &&
    a.high === b.high &&
    a.low === b.low &&
    a.volume === b.volume &&
    a.open === b.open &&
    a.source === b.source
  );
}
