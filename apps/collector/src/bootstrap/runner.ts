import { INTERVAL_MS, type Bar, type ProviderName, type SymbolSpec } from '@marketpipe/core';
import type { ChainResult } from '../providers/chain';
import type { FetchRange } from '../providers/types';
import type { FetchPurpose } from '../ports';
import type { Checkpoint } from '../history/checkpoints';
import { mapBounded } from '../concurrency';
import type { BootstrapPlan, BootstrapTask } from './plan';

/** The part of the provider chain a bootstrap uses: one named provider per request. */
export interface HistorySource {
  fetch(spec: SymbolSpec, range: FetchRange, opts: { purpose: FetchPurpose; only: ProviderName; signal?: AbortSignal }): Promise<ChainResult>;
}

export interface HistoryWriter {
  /** bars and the checkpoint they complete, in one transaction */
  write(rows: readonly Bar[], checkpoint?: Checkpoint): Promise<void>;
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
  /** why the symbol stopped early (its later chunks would not extend its coverage) */
  failed?: { code: string; detail: string };
}

export interface RunnerDeps {
  source: HistorySource;
  writer: HistoryWriter;
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
}

/**
 * Runs a plan: per symbol its requests in order, each answer's bars written in the same
 * transaction as the checkpoint that says the request is done, so a kill at any point loses at
 * most the request in flight and a restart plans only what is not covered. A spent quota waits
 * for its window (the bootstrap may take hours on free tiers); other failures retry with
 * backoff, then stop that symbol.
 */
export async function runPlan(deps: RunnerDeps): Promise<SymbolOutcome[]> {
  const now = deps.wallNow ?? Date.now;
  const covered = new Map(deps.coverage.map((c) => [`${c.symbol}\u0000${c.interval}`, c]));
  const bySymbol = new Map(deps.specs.map((s) => [s.symbol, s]));
  const entries = [...deps.plan.tasks].filter(([, tasks]) => tasks.length > 0);
  const outcomes: SymbolOutcome[] = [];
  await mapBounded(entries, deps.concurrency, async ([symbol, tasks]) => {
    const outcome: SymbolOutcome = { symbol, tasks: tasks.length, done: 0, bars: 0, rejects: 0 };
    outcomes.push(outcome);
    for (const task of tasks) {
      if (deps.signal?.aborted) return;
      const started = performance.now();
      const answer = await fetchWithRetries(deps, bySymbol.get(symbol)!, task);
      if ('failed' in answer) {
        if (answer.failed) outcome.failed = answer.failed;
        return;
      }
      const key = `${symbol}\u0000${task.interval}`;
      const checkpoint = extend(covered.get(key), task, answer.result, now());
      await writeInSlices(deps, answer.result.bars, checkpoint);
      if (checkpoint) covered.set(key, checkpoint);
      outcome.done++;
      outcome.bars += answer.result.bars.length;
      outcome.rejects += answer.result.rejects.length;
      deps.onChunk?.({ task, bars: answer.result.bars.length, rejects: answer.result.rejects.length, ms: performance.now() - started, done: outcome.done, total: outcome.tasks, symbolBars: outcome.bars });
    }
  });
  return outcomes;
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
function extend(cur: Checkpoint | undefined, task: BootstrapTask, result: ChainResult & { provider: ProviderName }, at: number): Checkpoint | undefined {
  const step = INTERVAL_MS[task.interval];
  const bars = result.bars.length;
  if (!cur) return { symbol: task.symbol, interval: task.interval, from: task.from, to: task.to, source: result.provider, bars, requests: 1, updatedAt: at };
  if (task.from > cur.to + step || task.to < cur.from - step) return undefined;
  return { ...cur, from: Math.min(cur.from, task.from), to: Math.max(cur.to, task.to), source: result.provider, bars: cur.bars + bars, requests: cur.requests + 1, updatedAt: at };
}

/** Bars in slices of at most maxRowsPerTransaction, the checkpoint with the last slice. */
async function writeInSlices(deps: RunnerDeps, bars: readonly Bar[], checkpoint: Checkpoint | undefined): Promise<void> {
  const size = deps.maxRowsPerTransaction ?? Number.POSITIVE_INFINITY;
  let at = 0;
  while (bars.length - at > size) {
    await deps.writer.write(bars.slice(at, at + size));
    at += size;
  }
  await deps.writer.write(at === 0 ? bars : bars.slice(at), checkpoint);
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
