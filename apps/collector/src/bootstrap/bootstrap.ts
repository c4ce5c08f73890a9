import { INTERVAL_MS, floorTo, systemClock, type ProviderName } from '@marketpipe/core';
import type { CollectorConfig } from '../config';
import type { Logger } from '../logger';
import { CollectorMetrics } from '../metrics';
import { loadSymbolSpecs } from '../symbol-specs';
import { buildSources } from '../sources';
import { quotaLimits } from '../providers/limits';
import { LibsqlHistoryStore, localPath } from '../history/libsql-history-store';
import { readCheckpoints } from '../history/checkpoints';
import { planBootstrap, type BootstrapPlan } from './plan';
import { runPlan, type SymbolOutcome } from './runner';
import { bootstrapProgress } from './progress';
import { storeColumnWriter, threadedColumnWriter } from './column-writer';

/** The writer thread waits this long for the live collector's flush to release the write lock. */
const WRITER_BUSY_TIMEOUT_MS = 10_000;

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Stored bars a resumed symbol's spike guard is warmed with (its ATR period is 14). */
const SEED_BARS = 50;

export interface BootstrapOptions {
  logger: Logger;
  /** where the plan is printed */
  out: { write(s: string): unknown };
  /** a progress bar per symbol (a TTY); otherwise a log line per chunk */
  tty: boolean;
  /** last bar open time of the window (RETENTION_DAYS long); default the last complete minute */
  until?: number;
  /** first bar open time instead (run's background bootstrap: RETENTION_DAYS back from now, up to its catch-up) */
  from?: number;
  signal?: AbortSignal;
  /** symbols side by side (default FETCH_CONCURRENCY) */
  concurrency?: number;
  /** bars per write transaction (run's background bootstrap keeps them short) */
  maxRowsPerTransaction?: number;
  /** print the plan and stop */
  dryRun?: boolean;
}

export interface BootstrapReport {
  plan: BootstrapPlan;
  outcomes: SymbolOutcome[];
  bars: number;
  seconds: number;
}

/**
 * `marketpipe bootstrap`: compares each symbol's stored coverage with RETENTION_DAYS, plans the
 * cheapest requests within the providers' history limits and quotas, prints the plan and its
 * estimated time, then runs it (resumable: see runPlan).
 */
export async function runBootstrap(config: CollectorConfig, opts: BootstrapOptions): Promise<BootstrapReport> {
  const specs = loadSymbolSpecs(config.SYMBOLS, config.SYMBOLS_FILE);
  const store = await LibsqlHistoryStore.open({ url: config.DATABASE_URL, ...(config.DATABASE_AUTH_TOKEN ? { authToken: config.DATABASE_AUTH_TOKEN } : {}) });
  const metrics = new CollectorMetrics();
  // History pages are large: their requests get HISTORY_TIMEOUT_MS, not the live poll's deadline.
  const built = await buildSources({ config: { ...config, PROVIDER_TIMEOUT_MS: config.HISTORY_TIMEOUT_MS }, specs, clock: systemClock, logger: opts.logger, metrics, redisUrl: config.REDIS_URL });
  try {
    const now = Date.now();
    const to = opts.until === undefined ? floorTo(now, MINUTE) - MINUTE : floorTo(opts.until, MINUTE);
    const from = floorTo(opts.from ?? to + MINUTE - config.RETENTION_DAYS * DAY, MINUTE);
    const coverage = await readCheckpoints(store.db);
    const plan = planBootstrap({ specs, providers: built.fetchers, limits: quotaLimits(config), coverage, from, to, now });
    opts.out.write(describePlan(plan, from, to));
    if (opts.dryRun || !built.chain) return { plan, outcomes: [], bars: 0, seconds: 0 };
    const progress = bootstrapProgress(plan, { tty: opts.tty, logger: opts.logger });
    const started = performance.now();
    const path = localPath(config.DATABASE_URL);
    const writer = path && path !== ':memory:' ? threadedColumnWriter(path, { busyTimeoutMs: WRITER_BUSY_TIMEOUT_MS }) : storeColumnWriter(store);
    const outcomes = await runPlan({
      source: built.chain,
      writer,
      specs,
      plan,
      coverage,
      concurrency: opts.concurrency ?? config.FETCH_CONCURRENCY,
      // Back far enough to reach over a weekend's closed market.
      storedBefore: async (symbol, interval, before) => (await store.range(symbol, before - Math.max(3 * DAY, SEED_BARS * INTERVAL_MS[interval]), before - 1, interval)).slice(-SEED_BARS),
      onChunk: (e) => progress.chunk(e),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.maxRowsPerTransaction ? { maxRowsPerTransaction: opts.maxRowsPerTransaction } : {}),
    }).finally(async () => {
      progress.stop();
      await writer.close();
    });
    const seconds = (performance.now() - started) / 1_000;
    const bars = outcomes.reduce((n, o) => n + o.bars, 0);
    opts.out.write(describeOutcomes(outcomes, bars, seconds));
    return { plan, outcomes, bars, seconds };
  } finally {
    await built.close?.();
    await store.close();
  }
}

const iso = (ts: number) => new Date(ts).toISOString().slice(0, 16).replace('T', ' ');

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Math.ceil(ms / 1_000)} s`;
  if (ms < 3_600_000) return `${Math.ceil(ms / 60_000)} min`;
  if (ms < DAY) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / DAY).toFixed(1)} days`;
}

/** The plan as an operator reads it before it starts: what, from whom, at what resolution, how long. */
export function describePlan(plan: BootstrapPlan, from: number, to: number): string {
  const lines = [`bootstrap window ${iso(from)} → ${iso(to)} UTC`];
  for (const [symbol, tasks] of plan.tasks) {
    if (tasks.length === 0) {
      lines.push(`  ${symbol}: covered`);
      continue;
    }
    const parts = new Map<string, { n: number; from: number; to: number }>();
    for (const t of tasks) {
      const key = `${t.provider} ${t.interval}`;
      const p = parts.get(key);
      if (p) Object.assign(p, { n: p.n + 1, from: Math.min(p.from, t.from), to: Math.max(p.to, t.to) });
      else parts.set(key, { n: 1, from: t.from, to: t.to });
    }
    lines.push(`  ${symbol}: ${[...parts].map(([k, p]) => `${k} ${iso(p.from)} → ${iso(p.to)} (${p.n} requests)`).join('; ')}`);
  }
  for (const u of plan.unreachable) lines.push(`  ${u.symbol}: ${iso(u.from)} → ${iso(u.to)} is beyond every configured provider's history`);
  const requests = Object.entries(plan.requests) as Array<[ProviderName, number]>;
  const total = requests.reduce((n, [, r]) => n + r, 0);
  lines.push(`requests: ${requests.map(([p, n]) => `${p} ${n}`).join(', ') || 'none'}; at most ${plan.maxBars.toLocaleString('en-US')} bars`);
  lines.push(`estimated time under the quotas: ${total === 0 ? 'nothing to do' : formatDuration(plan.estimatedMs)}`);
  if (plan.estimatedMs > 3_600_000) lines.push('free-tier quotas make this take hours: it resumes where it stopped, and `marketpipe run` continues it in the background');
  return `${lines.join('\n')}\n`;
}

function describeOutcomes(outcomes: readonly SymbolOutcome[], bars: number, seconds: number): string {
  const lines = [`bootstrap: ${bars.toLocaleString('en-US')} bars in ${seconds.toFixed(1)} s (${Math.round(bars / Math.max(seconds, 0.001)).toLocaleString('en-US')} bars/s)`];
  for (const o of outcomes) {
    if (o.failed) lines.push(`  ${o.symbol}: stopped after ${o.done}/${o.tasks} requests: ${o.failed.code}: ${o.failed.detail}`);
    if (o.rejects > 0 || o.filled > 0) {
      const reasons = Object.entries(o.reasons).map(([reason, n]) => `${reason} ${n}`);
      lines.push(`  ${o.symbol}: ${[...reasons, ...(o.filled > 0 ? [`${o.filled} in-session minutes filled flat`] : [])].join(', ')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
