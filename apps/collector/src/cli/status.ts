import { INTERVAL_MS, decodeSeen, isMarketOpen, redisKeys, type ProviderName, type SymbolSpec } from '@marketpipe/core';
import { loadConfig, type CollectorConfig } from '../config';
import { loadSymbolSpecs } from '../symbol-specs';
import { LibsqlHistoryStore } from '../history/libsql-history-store';
import { readCheckpoints, type Checkpoint } from '../history/checkpoints';
import { heldRanges, inSessionHoles, type HeldRange, type Holes } from '../history/coverage';
import { connectWithin, createRedisClient } from '../redis/client';
import { quotaLimits } from '../providers/limits';
import { windowId } from '../providers/quota';
import { parseStatusArgs } from './usage';

const MINUTE = 60_000;

export interface SymbolStatus {
  symbol: string;
  first: number | null;
  last: number | null;
  bars: number;
  holes: Holes;
  /** what is held at each resolution, and which ranges a bootstrap fetched at it */
  resolutions: Array<HeldRange & { bootstrapped: Array<{ from: number; to: number; source: string }> }>;
  provider: string | null;
  /** ms since the newest 1m bar closed */
  dataAgeMs: number | null;
  /** ms since the collector last polled it successfully (Redis), null when unknown */
  seenAgeMs: number | null;
  marketOpen: boolean;
  stale: boolean;
}

export interface ProviderStatus {
  provider: ProviderName;
  breaker: string | null;
  quotas: Array<{ window: string; spent: number; limit: number }>;
}

export interface StatusReport {
  at: number;
  redis: 'up' | 'down';
  collector: 'running' | 'not running';
  symbols: SymbolStatus[];
  providers: ProviderStatus[];
  ok: boolean;
}

/**
 * `marketpipe status [--json]`: what history holds per symbol (libSQL) and how the live side is
 * doing (Redis, and the collector's /health for its breakers). Read-only, so it works beside a
 * running collector. Exit 1 when a symbol is stale or has in-session holes (cron, monitoring).
 */
export async function statusCommand(argv: string[], env: Record<string, string | undefined>, io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } } = process): Promise<number> {
  const parsed = parseStatusArgs(argv);
  if (!parsed.ok) {
    (parsed.help ? io.stdout : io.stderr).write(parsed.message);
    return parsed.help ? 0 : 2;
  }
  const config = loadConfig(env);
  const report = await collectStatus(config, Date.now());
  io.stdout.write(parsed.args.json ? `${JSON.stringify(report)}\n` : formatStatus(report));
  return report.ok ? 0 : 1;
}

export async function collectStatus(config: CollectorConfig, now: number): Promise<StatusReport> {
  const specs = loadSymbolSpecs(config.SYMBOLS, config.SYMBOLS_FILE);
  const store = await LibsqlHistoryStore.open({ url: config.DATABASE_URL, ...(config.DATABASE_AUTH_TOKEN ? { authToken: config.DATABASE_AUTH_TOKEN } : {}) });
  const live = await readLive(config, now);
  try {
    const checkpoints = await readCheckpoints(store.db);
    const symbols: SymbolStatus[] = [];
    for (const spec of specs) symbols.push(await symbolStatus(store, spec, checkpoints, live.seen.get(spec.symbol) ?? null, config, now));
    const ok = symbols.every((s) => !s.stale && s.holes.count === 0);
    return { at: now, redis: live.redis, collector: live.breakers ? 'running' : 'not running', symbols, providers: live.providers, ok };
  } finally {
    await store.close({ flush: false });
  }
}

async function symbolStatus(store: LibsqlHistoryStore, spec: SymbolSpec, checkpoints: readonly Checkpoint[], seenAt: number | null, config: CollectorConfig, now: number): Promise<SymbolStatus> {
  const ranges = await heldRanges(store.db, spec.symbol);
  const holes = await inSessionHoles(store.db, spec);
  const minute = ranges.find((r) => r.interval === '1m');
  const marketOpen = isMarketOpen(spec.session, now);
  const dataAgeMs = minute ? now - (minute.last + MINUTE) : null;
  const seenAgeMs = seenAt === null ? null : now - seenAt;
  // The newest final bar is normally up to a minute behind its close: only beyond that is it late.
  const lateness = seenAgeMs ?? (dataAgeMs === null ? Infinity : dataAgeMs - MINUTE);
  return {
    symbol: spec.symbol,
    first: ranges.length ? Math.min(...ranges.map((r) => r.first)) : null,
    last: ranges.length ? Math.max(...ranges.map((r) => r.last + INTERVAL_MS[r.interval] - MINUTE)) : null,
    bars: ranges.reduce((n, r) => n + r.bars, 0),
    holes,
    resolutions: ranges.map((r) => ({
      ...r,
      bootstrapped: checkpoints.filter((c) => c.symbol === spec.symbol && c.interval === r.interval).map((c) => ({ from: c.from, to: c.to, source: c.source })),
    })),
    provider: minute?.source ?? ranges[0]?.source ?? null,
    dataAgeMs,
    seenAgeMs,
    marketOpen,
    stale: marketOpen && lateness > config.STALE_AFTER_MS,
  };
}

/** Redis (last polls, quotas) and the collector's /health (breakers); each may be absent. */
async function readLive(config: CollectorConfig, now: number) {
  const seen = new Map<string, number>();
  const limits = quotaLimits(config);
  const providers: ProviderStatus[] = config.PROVIDERS.map((p) => ({ provider: p, breaker: null, quotas: [] }));
  const client = createRedisClient(config.REDIS_URL, { commandTimeoutMs: 1_000 });
  client.on('error', () => undefined);
  const redisUp = (await connectWithin(client, 1_000)) === null;
  const keys = redisKeys(config.REDIS_PREFIX);
  if (redisUp) {
    try {
      for (const [symbol, at] of Object.entries(await client.hGetAll(keys.seen))) {
        const ts = decodeSeen(at);
        if (ts !== null) seen.set(symbol, ts);
      }
      for (const p of providers) {
        for (const l of limits[p.provider] ?? []) p.quotas.push({ window: l.window, spent: Number((await client.get(keys.quota(p.provider, windowId(l.window, now)))) ?? 0), limit: l.limit });
      }
    } finally {
      client.destroy();
    }
  } else client.destroy();
  const breakers = await readBreakers(config.COLLECTOR_PORT);
  for (const p of providers) p.breaker = breakers?.[p.provider] ?? null;
  return { redis: redisUp ? ('up' as const) : ('down' as const), seen, providers, breakers };
}

async function readBreakers(port: number): Promise<Record<string, string> | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1_000) });
    const body = (await res.json()) as { providers?: { breakers?: Record<string, string> } };
    return body.providers?.breakers ?? {};
  } catch {
    return null;
  }
}

const iso = (ts: number | null) => (ts === null ? '-' : new Date(ts).toISOString().slice(0, 16).replace('T', ' '));

function age(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 120_000) return `${Math.round(ms / 1_000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

export function formatStatus(r: StatusReport): string {
  const head = ['symbol', 'first bar (UTC)', 'last bar (UTC)', 'bars', 'holes', 'largest hole', 'resolution by range', 'provider', 'data age', 'state'];
  const rows = r.symbols.map((s) => [
    s.symbol,
    iso(s.first),
    iso(s.last),
    s.bars.toLocaleString('en-US'),
    String(s.holes.count),
    s.holes.largest ? `${s.holes.largest.missing} min at ${iso(s.holes.largest.from)}` : '-',
    s.resolutions.map((x) => `${x.interval} ${iso(x.first).slice(0, 10)}→${iso(x.last).slice(0, 10)}`).join(', ') || '-',
    s.provider ?? '-',
    age(s.seenAgeMs ?? s.dataAgeMs),
    s.stale ? 'STALE' : s.holes.count > 0 ? 'HOLES' : s.marketOpen ? 'ok' : 'ok (market closed)',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const table = [head, ...rows].map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
  const providers = r.providers.map((p) => {
    const quotas = p.quotas.map((q) => `${q.spent}/${q.limit} per ${q.window}`).join(', ') || 'no quota';
    return `  ${p.provider}: breaker ${p.breaker ?? 'unknown'}; ${quotas}`;
  });
  return `${table}\n\nredis ${r.redis}; collector ${r.collector}\nproviders:\n${providers.join('\n')}\n`;
}
