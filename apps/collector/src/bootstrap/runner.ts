import { INTERVAL_MS, SpikeGuard, isMarketOpen, type Bar, type Interval, type ProviderName, type Reject, type SymbolSpec } from '@marketpipe/core';
import type { ChainResult } from '../providers/chain';
import type { FetchRange } from '../providers/types';
import type { FetchPurpose } from '../ports';
import type { Checkpoint } from '../history/checkpoints';
import { toColumns } from '../history/bar-columns';
import { mapBounded } from '../concurrency';
import { MAX_FILL_BARS, screenBars } from '../ingest';
import type { ColumnWriter } from './column-writer';
import type { BootstrapPlan, BootstrapTask } from './plan';

/** The part of the provider chain a bootstrap uses: one named provider per request. */
export interface HistorySource {
  fetch(spec: SymbolSpec, range: FetchRange, opts: { purpose: FetchPurpose; only: ProviderName; signal?: AbortSignal }): Promise<ChainResult>;
}

export interface ChunkEvent {
  task: BootstrapTask;
  bars: number;
  rejects: number;
  ms: number;
  /** the symbol's progress after this chunk */
  done: number;
  total: number;
  symbolBars: number;
}

export interface SymbolOutcome {
  symbol: string;
  tasks: number;
  done: number;
  bars: number;
  rejects: number;
  /** rejects by reason: validation (the provider chain) and the spike guard */
  reasons: Partial<Record<string, number>>;
  /** flat bars the gap policy added (in-session minutes a provider left out) */
  filled: number;
  /** why the symbol stopped early (its later chunks would not extend its coverage) */
  failed?: { code: string; detail: string };
}

export interface RunnerDeps {
  source: HistorySource;
  writer: Pick<ColumnWriter, 'write'>;
  specs: readonly SymbolSpec[];
  plan: BootstrapPlan;
  coverage: readonly Checkpoint[];
  /** symbols bootstrapped side by side */
  concurrency: number;
  wallNow?: () => number;
  signal?: AbortSignal;
  onChunk?: (e: ChunkEvent) => void;
  /** failed attempts (not quota waits) before a symbol gives up; default 5 */
  maxAttempts?: number;
  /** bars per write transaction: a long one would hold the database's write lock from the live flush */
  maxRowsPerTransaction?: number;
  /** in-session gaps up to this many bars are filled, as live (default MAX_FILL_BARS) */
  maxFillBars?: number;
  /**
   * Stored bars just before `before` (oldest first): a symbol whose first request continues its
   * stored coverage (a resumed bootstrap) is judged against them, as an uninterrupted run is.
   */
  storedBefore?: (symbol: string, interval: Interval, before: number) => Promise<Bar[]>;
}

/**
 * Runs a plan: per symbol its requests in order, each answer's bars written in the same
 * transaction as the checkpoint that says the request is done, so a kill at any point loses at
 * most the requests in flight and a restart plans only what is not covered. Bars pass the same
 * acceptance as live ones (screenBars: spike guard, in-session gap filling). A symbol's next
 * request goes out while its previous answer is being written (one write in flight a symbol).
 * A spent quota waits for its window (the bootstrap may take hours on free tiers); other
 * failures retry with backoff, then stop that symbol.
 */
export async function runPlan(deps: RunnerDeps): Promise<SymbolOutcome[]> {
  const now = deps.wallNow ?? Date.now;
  const covered = new Map(deps.coverage.map((c) => [`${c.symbol}\u0000${c.interval}`, c]));
  const bySymbol = new Map(deps.specs.map((s) => [s.symbol, s]));
  const entries = [...deps.plan.tasks].filter(([, tasks]) => tasks.length > 0);
  const outcomes: SymbolOutcome[] = [];
  await mapBounded(entries, deps.concurrency, async ([symbol, tasks]) => {
    const outcome: SymbolOutcome = { symbol, tasks: tasks.length, done: 0, bars: 0, rejects: 0, reasons: {}, filled: 0 };
    outcomes.push(outcome);
    const spec = bySymbol.get(symbol)!;
    const screen = new ChunkScreen(spec, deps.maxFillBars ?? MAX_FILL_BARS);
    let writing: Promise<void> = Promise.resolve();
    try {
      const first = tasks[0]!;
      const held = covered.get(`${symbol}\u0000${first.interval}`);
      if (deps.storedBefore && held && first.from === held.to + INTERVAL_MS[first.interval]) {
        screen.seed(first.from, await deps.storedBefore(symbol, first.interval, first.from));
      }
      for (const task of tasks) {
        if (deps.signal?.aborted) break;
        const started = performance.now();
        const answer = await fetchWithRetries(deps, spec, task);
        if ('failed' in answer) {
          if (answer.failed) outcome.failed = answer.failed;
          break;
        }
        let rejects = answer.result.rejects.length;
        for (const r of answer.result.rejects) count(outcome, r);
        const { bars, unsettled } = screen.accept(task, answer.result.bars, (r) => {
          rejects++;
          count(outcome, r);
        });
        const key = `${symbol}\u0000${task.interval}`;
        const extended = extend(covered.get(key), task, answer.result.provider, bars.length, now());
        if (extended) covered.set(key, extended);
        const checkpoint = settledPart(extended, task, unsettled);
        // One write in flight: this chunk waits for the previous one, the next request does not.
        await writing;
        writing = writeInSlices(deps, symbol, task, bars, checkpoint).then(() => {
          outcome.done++;
          outcome.bars += bars.length;
          outcome.filled += bars.reduce((n, b) => n + (b.filled ? 1 : 0), 0);
          deps.onChunk?.({ task, bars: bars.length, rejects, ms: performance.now() - started, done: outcome.done, total: outcome.tasks, symbolBars: outcome.bars });
        });
        // Awaited before the next write; a failure meanwhile is not unhandled.
        writing.catch(() => undefined);
      }
      await writing;
    } catch (error) {
      outcome.failed = { code: (error as { code?: string }).code ?? 'write_failed', detail: error instanceof Error ? error.message : String(error) };
    }
  });
  return outcomes;
}

function count(outcome: SymbolOutcome, r: Reject): void {
  outcome.rejects++;
  outcome.reasons[r.reason] = (outcome.reasons[r.reason] ?? 0) + 1;
}

/**
 * The live acceptance rules over one symbol's chunks. A chunk that continues the previous one
 * (the usual order, oldest first) is judged against the bars before it, as live polls are; a
 * chunk that does not (walked newest first below held coverage) starts a fresh guard and fills
 * no gap before its first bar.
 *
 * `unsettled` is the chunk's first minute whose bar the next chunk may still write: a spike
 * suspect the guard holds for confirmation, or the in-session minutes after the last bar that
 * the next chunk's first bar would fill flat. The checkpoint must end before it (settledPart):
 * a run stopped between the two chunks then asks for that minute again instead of losing it.
 */
class ChunkScreen {
  #guard = new SpikeGuard();
  #last: Bar | null = null;
  #nextFrom = Number.NaN;
  #suspect = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly spec: SymbolSpec,
    private readonly maxFillBars: number,
  ) {}

  /** Stored bars before `from` (a resumed run): the guard and the gap filling continue from them. */
  seed(from: number, stored: readonly Bar[]): void {
    for (const bar of stored) this.#guard.offer(bar);
    this.#last = stored.at(-1) ?? null;
    this.#nextFrom = from;
  }

  accept(task: BootstrapTask, bars: readonly Bar[], onSpike: (r: Reject) => void): { bars: Bar[]; unsettled: number | null } {
    if (task.from !== this.#nextFrom) {
      this.#guard = new SpikeGuard();
      this.#last = null;
      this.#suspect = Number.NEGATIVE_INFINITY;
    }
    this.#nextFrom = task.to + INTERVAL_MS[task.interval];
    const cursor = { spec: this.spec, lastFinal: this.#last, lastFinalTs: this.#last?.ts ?? Number.NEGATIVE_INFINITY };
    const screened = screenBars(this.#guard, cursor, bars, task.to, this.maxFillBars, (r) => {
      if (r.reason === 'spike_suspect' && r.ts !== undefined) this.#suspect = Math.max(this.#suspect, r.ts);
      onSpike(r);
    });
    this.#last = screened.at(-1) ?? this.#last;
    const lastTs = this.#last?.ts ?? Number.NEGATIVE_INFINITY;
    // A suspect after the last accepted bar is still pending: neither released nor dropped.
    if (this.#suspect > lastTs) return { bars: screened, unsettled: this.#suspect };
    return { bars: screened, unsettled: this.#last ? this.#fillableTail(this.#last, task.to) : null };
  }

  /** The first missing in-session minute after `last` when the next bar could still fill the tail flat. */
  #fillableTail(last: Bar, to: number): number | null {
    const step = INTERVAL_MS[last.interval];
    let first: number | null = null;
    let missing = 0;
    for (let ts = last.ts + step; ts <= to; ts += step) {
      if (!isMarketOpen(this.spec.session, ts)) continue;
      first ??= ts;
      if (++missing > this.maxFillBars) return null;
    }
    return first;
  }
}

/** The checkpoint to store with a chunk: what is settled of it (see ChunkScreen), or nothing when none is. */
function settledPart(cp: Checkpoint | undefined, task: BootstrapTask, unsettled: number | null): Checkpoint | undefined {
  if (!cp || unsettled === null || cp.to !== task.to) return cp;
  const to = Math.min(cp.to, unsettled - INTERVAL_MS[task.interval]);
  return to < cp.from ? undefined : { ...cp, to };
}

type Answer = { result: ChainResult & { provider: ProviderName } } | { failed: SymbolOutcome['failed'] | null };

async function fetchWithRetries(deps: RunnerDeps, spec: SymbolSpec, task: BootstrapTask): Promise<Answer> {
  const maxAttempts = deps.maxAttempts ?? 5;
  for (let attempt = 0; ; ) {
    if (deps.signal?.aborted) return { failed: null };
    const range = { from: task.from, to: task.to, interval: task.interval };
    const result = await deps.source.fetch(spec, range, { purpose: 'history', only: task.provider, ...(deps.signal ? { signal: deps.signal } : {}) });
    if (result.provider !== null) return { result: result as ChainResult & { provider: ProviderName } };
    const failure = result.failures[0] ?? { code: 'provider_error', detail: `${task.provider} does not serve ${spec.symbol}` };
    if (failure.code === 'rate_limited') {
      // Quota spent or a 429: wait for the next minute window; this does not count as a failure.
      await sleep(60_000 - (Date.now() % 60_000) + 50, deps.signal);
      continue;
    }
    if (++attempt >= maxAttempts) return { failed: { code: failure.code, detail: failure.detail } };
    await sleep(Math.min(60_000, 1_000 * 2 ** (attempt - 1)), deps.signal);
  }
}

/** The symbol's coverage after `task`: extended when adjacent; a detached range is left unrecorded (a rerun fetches it again). */
function extend(cur: Checkpoint | undefined, task: BootstrapTask, provider: ProviderName, bars: number, at: number): Checkpoint | undefined {
  const step = INTERVAL_MS[task.interval];
  if (!cur) return { symbol: task.symbol, interval: task.interval, from: task.from, to: task.to, source: provider, bars, requests: 1, updatedAt: at };
  if (task.from > cur.to + step || task.to < cur.from - step) return undefined;
  return { ...cur, from: Math.min(cur.from, task.from), to: Math.max(cur.to, task.to), source: provider, bars: cur.bars + bars, requests: cur.requests + 1, updatedAt: at };
}

/** Bars as columns in slices of at most maxRowsPerTransaction, the checkpoint with the last slice. */
async function writeInSlices(deps: RunnerDeps, symbol: string, task: BootstrapTask, bars: readonly Bar[], checkpoint: Checkpoint | undefined): Promise<void> {
  const size = deps.maxRowsPerTransaction ?? Number.POSITIVE_INFINITY;
  let at = 0;
  while (bars.length - at > size) {
    await deps.writer.write(toColumns(bars.slice(at, at + size), symbol, task.interval));
    at += size;
  }
  await deps.writer.write(toColumns(at === 0 ? bars : bars.slice(at), symbol, task.interval), checkpoint);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
