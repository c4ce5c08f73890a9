import { z } from 'zod';
import { DEFAULT_REDIS_PREFIX, INTERVALS, PROVIDER_NAMES, type Interval } from '@marketpipe/core';

const port = z.coerce.number().int().min(0).max(65_535);
const csv = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
const HIGHER_INTERVALS = INTERVALS.filter((iv) => iv !== '1m') as [Exclude<Interval, '1m'>, ...Exclude<Interval, '1m'>[]];
const optionalKey = z
  .string()
  .optional()
  .transform((s) => (s && s.trim() ? s.trim() : undefined));

/** Every environment variable the collector reads (docs/architecture.md §6); `.env.example` documents them. */
export const ConfigSchema = z.object({
  PROVIDERS: csv
    .default(['yahoo', 'twelvedata', 'polygon', 'alphavantage'])
    .pipe(z.array(z.enum(PROVIDER_NAMES)).min(1, 'name at least one provider')),
  SYMBOLS: csv.default(['EURUSD', 'XAUUSD', 'NAS100']).pipe(z.array(z.string().min(1)).min(1)),
  SYMBOLS_FILE: z.string().optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().min(1).default(DEFAULT_REDIS_PREFIX),
  DATABASE_URL: z.string().min(1).default('file:./data/history.db'),
  DATABASE_AUTH_TOKEN: optionalKey,
  SIM_SPEED: z.coerce.number().positive().max(10_000).default(1),
  SIM_SEED: z.coerce.number().int().default(42),
  STALE_AFTER_MS: z.coerce.number().int().positive().default(5_000),
  COLLECTOR_PORT: port.default(9464),
  COLLECTOR_ID: z.string().regex(/^[\w.-]+$/).optional(),
  /** lease: collectors started with the same SYMBOLS share them through Redis leases (docs/scaling.md) */
  SHARD_MODE: z.enum(['off', 'lease']).default('off'),
  /** a lease not renewed within this expires (renewed 3× per TTL); a dead collector's symbols move after about this long */
  LEASE_TTL_MS: z.coerce.number().int().min(300).default(1_000),
  HISTORY_FLUSH_MS: z.coerce.number().int().positive().default(10_000),
  /** bars held while the database refuses writes; beyond this, new bars wait at the provider */
  HISTORY_BUFFER_MAX: z.coerce.number().int().positive().default(1_000_000),
  /** above this many unwritten bars the collector logs loudly and /ready answers 503 */
  HISTORY_BUFFER_WARN: z.coerce.number().int().positive().default(100_000),
  /** a Redis command not answered within this fails; the loop never waits longer on its cache */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().positive().default(2_000),
  /** SIGTERM/SIGINT: the process exits within this, flushing what it can */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(4_500),
  RETENTION_DAYS: z.coerce.number().positive().default(90),
  BACKFILL_HOURS: z.coerce.number().min(0).default(24),
  /** `marketpipe run` fills the rest of RETENTION_DAYS in a background worker (the bootstrap planner) */
  BOOTSTRAP_ON_RUN: z.stringbool().default(true),
  /** provider requests in flight per cycle; a batch of symbols is one */
  FETCH_CONCURRENCY: z.coerce.number().int().positive().default(16),
  /** the higher timeframes whose bars are resampled from 1m and kept in Redis (empty: 1m only) */
  BAR_INTERVALS: csv.default(['5m', '15m', '30m', '1h', '4h', '1d']).pipe(z.array(z.enum(HIGHER_INTERVALS))),
  /** the timeframes with incremental features and signals; 1m always, the others need their bars kept */
  FEATURE_INTERVALS: csv
    .default(['1m', '5m', '1h'])
    .pipe(z.array(z.enum(INTERVALS)).refine((ivs) => ivs.includes('1m'), '1m features are always computed: list 1m')),
  /**
   * the higher timeframes on a worker thread: auto turns it on from 1,000 symbols (below that, a message per batch costs
   * about what it frees); lease mode keeps them in-process, where each symbol's write is fenced
   */
  TIMEFRAME_THREAD: z.enum(['auto', 'on', 'off']).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BRIDGE_PORT: port.default(8079),
  BRIDGE_TOKEN: z.string().min(16).optional(),
  YAHOO_BASE_URL: z.url().default('https://query1.finance.yahoo.com'),
  YAHOO_RATE_PER_MIN: z.coerce.number().positive().default(120),
  ALPHAVANTAGE_BASE_URL: z.url().default('https://www.alphavantage.co'),
  ALPHAVANTAGE_API_KEY: optionalKey,
  TWELVEDATA_BASE_URL: z.url().default('https://api.twelvedata.com'),
  TWELVEDATA_API_KEY: optionalKey,
  /** symbols per Twelve Data request of a live poll (its documented comma-separated batch; at most 120 here, keeping the URL short); 1 asks each symbol alone */
  TWELVEDATA_BATCH_SYMBOLS: z.coerce.number().int().min(1).max(120).default(1),
  POLYGON_BASE_URL: z.url().default('https://api.polygon.io'),
  POLYGON_API_KEY: optionalKey,
  /** a provider request slower than this is failed over (the loop ticks every second) */
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().positive().default(4_000),
  /** a bootstrap's or `marketpipe fetch`'s history request (pages of up to 50,000 bars, several MB) may take this long */
  HISTORY_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** consecutive failures that open a provider's circuit breaker */
  BREAKER_FAILURES: z.coerce.number().int().positive().default(5),
  /** first half-open probe after this long; later ones back off exponentially */
  BREAKER_HALF_OPEN_MS: z.coerce.number().int().positive().default(5_000),
  BREAKER_MAX_BACKOFF_MS: z.coerce.number().int().positive().default(300_000),
  /** free-tier quotas; requests are spread evenly so a quota lasts its whole window */
  ALPHAVANTAGE_PER_MIN: z.coerce.number().int().positive().default(5),
  ALPHAVANTAGE_PER_DAY: z.coerce.number().int().positive().default(25),
  TWELVEDATA_PER_MIN: z.coerce.number().int().positive().default(8),
  TWELVEDATA_PER_DAY: z.coerce.number().int().positive().default(800),
  POLYGON_PER_MIN: z.coerce.number().int().positive().default(5),
}).superRefine((c, ctx) => {
  if (c.TIMEFRAME_THREAD === 'on' && c.SHARD_MODE === 'lease') {
    ctx.addIssue({ code: 'custom', path: ['TIMEFRAME_THREAD'], message: 'lease mode fences each symbol’s write, which needs the timeframes in-process: use auto or off with SHARD_MODE=lease' });
  }
  for (const iv of c.FEATURE_INTERVALS) {
    if (iv !== '1m' && !(c.BAR_INTERVALS as readonly string[]).includes(iv)) {
      ctx.addIssue({ code: 'custom', path: ['FEATURE_INTERVALS'], message: `${iv} features are computed over its bars: add ${iv} to BAR_INTERVALS` });
    }
  }
});

export type CollectorConfig = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once, at process start; the error names every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): CollectorConfig {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`),
    );
  }
  return result.data;
}
