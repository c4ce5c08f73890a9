import type { Logger } from './logger';
import type { Ticker } from './ticker';
import type { HistoryFlusher } from './history/history-flusher';
import type { LibsqlHistoryStore } from './history/libsql-history-store';
import type { WindowReplicator } from './redis/window-replicator';
import type { BinaryRedisClient } from './redis/client';
import type { AnalyticsStage, TimeframeStage } from './ports';

export interface StoppableParts {
  ticker: Ticker;
  flusher: HistoryFlusher;
  history: LibsqlHistoryStore;
  replicator: WindowReplicator;
  analytics: AnalyticsStage | undefined;
  timeframes?: TimeframeStage | undefined;
  closeSources(): Promise<void>;
  closeServer(): Promise<void>;
  redis: BinaryRedisClient;
  timers: ReturnType<typeof setInterval>[];
}

type Outcome<T> = { ok: true; value: T } | { ok: false; why: string };

/** Waits for `work` at most `ms`; never throws. */
async function within<T>(work: Promise<T>, ms: number): Promise<Outcome<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, why: `no answer within ${Math.round(ms)} ms` }), Math.max(0, ms));
  });
  try {
    return await Promise.race([
      work.then(
        (value): Outcome<T> => ({ ok: true, value }),
        (error: unknown): Outcome<T> => ({ ok: false, why: error instanceof Error ? error.message : String(error) }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A graceful stop that always ends within `budgetMs`, whatever is unreachable: the cycle in
 * flight finishes (or is abandoned), history is sealed so its last flush really is the last,
 * engine states go to Redis if it answers, the buffer is flushed if the database takes it.
 * The last log line says what, if anything, could not be written.
 */
export async function stopWithin(budgetMs: number, logger: Logger, p: StoppableParts): Promise<void> {
  const started = Date.now();
  const left = (reserve = 0) => Math.max(0, started + budgetMs - Date.now() - reserve);
  for (const t of p.timers) clearInterval(t);
  p.flusher.stop();
  const cycle = await within(p.ticker.stop(), Math.min(left(), budgetMs * 0.4));
  p.history.seal();
  let statesSaved: boolean | null = null;
  if (p.analytics) {
    const states = p.analytics.allStates();
    const higher = p.timeframes ? (await within(Promise.resolve(p.timeframes.allStates()), Math.min(left(), 1_000))) : undefined;
    const higherStates = higher?.ok ? higher.value : undefined;
    const saved = p.replicator.up
      ? await within(p.replicator.write({ forming: [], finals: [], features: new Map(), signals: new Map(), seen: { symbols: [], at: Date.now() }, states, ...(higherStates ? { higher: higherStates } : {}) }), Math.min(left(), 1_000))
      : null;
    statesSaved = saved !== null && saved.ok && saved.value;
  }
  await within(p.closeSources(), Math.min(left(), 500));
  const flushed = await within(p.history.flush(), left(300));
  const unwritten = p.history.pending;
  await within(p.history.close({ flush: false }), Math.min(left(), 100));
  await within(p.closeServer(), Math.min(left(), 100));
  if (p.replicator.up) await within(p.redis.quit(), Math.min(left(), 200));
  if (p.redis.isOpen) p.redis.destroy();
  const summary = {
    elapsedMs: Date.now() - started,
    flushedRows: flushed.ok ? flushed.value : 0,
    redis: p.replicator.up ? 'up' : 'down',
    ...(statesSaved === false ? { engineStates: 'not saved (rebuilt from history at the next start)' } : {}),
    ...(cycle.ok ? {} : { cycleInFlight: `abandoned: ${cycle.why}` }),
  };
  if (unwritten > 0) {
    logger.error(
      { ...summary, unwritten, cause: flushed.ok ? undefined : flushed.why },
      `collector stopped: ${unwritten} final bars could not be written to history (the next start fetches them again)`,
    );
  } else {
    logger.info(summary, 'collector stopped');
  }
}
