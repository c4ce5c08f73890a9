/**
 * Soak test, issue "Nothing lost, whatever fails": the real collector, in process, for
 * SOAK_SECONDS (default 600 = 10 market hours at SIM_SPEED=60) over SOAK_SYMBOLS (default 100)
 * symbols, against a private redis-server and a libSQL file, while the primary provider times
 * out, answers 5xx and serves bad bars, Redis restarts empty once and history stalls once.
 * Then it audits what is left and prints a verdict; exit code 1 on FAIL.
 *   SOAK_SECONDS=90 npm run soak
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_SYMBOL_SPECS } from '@marketpipe/core';
import { startPrivateRedis } from '@marketpipe/testkit';
import { loadConfig } from '../src/config';
import { startCollector } from '../src/collector';
import { createLogger } from '../src/logger';
import type { CycleReport } from '../src/orchestrator';
import { FaultScript, faultySources } from './faults';
import { LogTap, Sampler, holdWriteLock, type Sample } from './probes';
import { audit } from './audit';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const SYMBOLS = Number(process.env.SOAK_SYMBOLS ?? 100);
const SIM_SPEED = 60;
if (!(SECONDS >= 30) || !(SYMBOLS >= 1)) throw new RangeError(`SOAK_SECONDS must be ≥ 30 and SOAK_SYMBOLS ≥ 1 (got ${SECONDS}, ${SYMBOLS})`);
const WARM_UP_S = Math.min(60, SECONDS / 6);
const OUTAGE_S = Math.min(20, SECONDS / 6);
const STORM_S = Math.min(30, SECONDS / 12);
const RSS_GROWTH_MAX = 10;
const MSG = {
  redisDown: 'redis unreachable: collecting on, history is the record; the window is refilled when it is back',
  redisBack: 'redis is back: window refilled from history',
  flushFailed: 'history flush failed: keeping every bar buffered and retrying with backoff',
  historyBack: 'history writable again: buffered bars written',
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (s: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
type Metric = { get(): Promise<{ values: { value: number; labels: Record<string, string | number | undefined> }[] }> };
const total = async (m: Metric, where: (l: Record<string, string | number | undefined>) => boolean = () => true) =>
  (await m.get()).values.filter((v) => where(v.labels)).reduce((n, v) => n + v.value, 0);
const byLabel = async (m: Metric, label: string) => {
  const out: Record<string, number> = {};
  for (const v of (await m.get()).values) out[String(v.labels[label])] = (out[String(v.labels[label])] ?? 0) + v.value;
  return out;
};

/** The 10-s samples folded into about ten rows, with what was being done to the collector meanwhile. */
function timeline(samples: readonly Sample[], phases: { name: string; from: number; to: number }[], step: number) {
  const rows: Record<string, string | number>[] = [];
  for (let from = 0; from < SECONDS; from += step) {
    const inRow = samples.filter((s) => s.t > from && s.t <= from + step);
    if (inRow.length === 0) continue;
    rows.push({
      's': `${from}–${from + step}`,
      'RSS MB': Math.max(...inRow.map((s) => s.rssMb)),
      'heap MB': Math.max(...inRow.map((s) => s.heapMb)),
      'loop delay max ms': Math.max(...inRow.map((s) => s.eldMaxMs)),
      'history pending': Math.max(...inRow.map((s) => s.pending)),
      overruns: inRow.at(-1)!.overruns,
      during: phases.filter((p) => p.from < from + step && p.to > from).map((p) => p.name).join(', '),
    });
  }
  return rows;
}

const dir = mkdtempSync(join(tmpdir(), 'marketpipe-soak-'));
const resultsDir = resolve(import.meta.dirname, '../../../bench-results');
// Both session kinds of the defaults (FX around the week, CME with a daily break) so the hole
// count has to respect sessions; the sim serves every minute, so nothing outside them is missing either.
const specs = Array.from({ length: SYMBOLS }, (_, i) => {
  const base = DEFAULT_SYMBOL_SPECS[i % DEFAULT_SYMBOL_SPECS.length]!;
  return { ...base, symbol: `${base.symbol.slice(0, 3)}${i}`, brokers: {} };
});
writeFileSync(join(dir, 'symbols.json'), JSON.stringify(specs));

const redis = await startPrivateRedis();
process.once('SIGINT', () => void redis.stop().finally(() => process.exit(130)));
const config = loadConfig({
  // 'sim' must be named for the collector to run on the scaled market clock; the fetchers
  // themselves come from the `sources` override below.
  PROVIDERS: 'yahoo,sim',
  SIM_SPEED: String(SIM_SPEED),
  SYMBOLS: specs.map((s) => s.symbol).join(','),
  SYMBOLS_FILE: join(dir, 'symbols.json'),
  REDIS_URL: redis.url,
  DATABASE_URL: `file:${join(dir, 'history.db')}`,
  HISTORY_FLUSH_MS: '2000',
  BACKFILL_HOURS: '24',
  PROVIDER_TIMEOUT_MS: '400',
  COLLECTOR_ID: 'soak',
  LOG_LEVEL: 'info',
});
const script = new FaultScript({
  seed: 7,
  rates: { timeout: 0.003, http5xx: 0.01, bad_payload: 0.01 },
  storms: [
    { fault: 'http5xx', fromMs: 0.15 * SECONDS * 1000, toMs: (0.15 * SECONDS + STORM_S) * 1000 },
    { fault: 'timeout', fromMs: 0.5 * SECONDS * 1000, toMs: (0.5 * SECONDS + STORM_S) * 1000 },
    { fault: 'bad_payload', fromMs: 0.82 * SECONDS * 1000, toMs: (0.82 * SECONDS + STORM_S) * 1000 },
  ],
});
const tap = new LogTap(join(dir, 'collector.log'), (l) => l.level >= 50 || Object.values(MSG).includes(l.msg));
const cycles: CycleReport[] = [];

let passed = false;
// Stops a run whose collector could not be stopped (a crash mid-run), and shows a leak: unref'd,
// it fires only if something still holds the process open after everything was closed.
const exitSoon = () => setTimeout(() => (log('handles still open after the run; exiting'), process.exit(passed ? 0 : 1)), 5_000).unref();
try {
  log(`${SYMBOLS} symbols, ${SECONDS} s at SIM_SPEED=${SIM_SPEED}; backfilling ${config.BACKFILL_HOURS} h…`);
  const startedAt = Date.now();
  const collector = await startCollector(config, {
    logger: createLogger(config.LOG_LEVEL, tap),
    healthServer: false,
    sources: faultySources(script),
    onCycle: (r) => cycles.push(r),
  });
  const startupMs = Date.now() - startedAt;
  log(`started in ${startupMs} ms; running`);
  script.startClock();
  const sampler = new Sampler(collector);
  sampler.start();
  const t0 = Date.now();
  const at = (s: number) => sleep(Math.max(0, t0 + s * 1000 - Date.now()));
  const warmMark = at(WARM_UP_S).then(() => sampler.mark());

  const redisOutage = (async () => {
    await at(SECONDS / 3);
    log(`redis: stopping for ${OUTAGE_S} s`);
    await redis.stop();
    const stoppedAt = Date.now();
    await sleep(OUTAGE_S * 1000);
    await redis.restart();
    const restartedAt = Date.now();
    log('redis: restarted, empty');
    return { stoppedAt, restartedAt };
  })();
  const historyStall = (async () => {
    await at((2 * SECONDS) / 3);
    log(`history: holding the write lock for ${OUTAGE_S} s`);
    const stall = await holdWriteLock(config.DATABASE_URL, OUTAGE_S * 1000);
    log('history: lock released');
    return stall;
  })();
  await at(SECONDS);
  const [outage, stall] = await Promise.all([redisOutage, historyStall]);
  const eld = await sampler.stop();
  const [warm, end] = [await warmMark, sampler.mark()];
  const marketAtStop = collector.clock.now();
  const overruns = await total(collector.metrics.overruns);
  const figures = {
    cycles: await total(collector.metrics.cycles),
    overruns,
    rejects: await byLabel(collector.metrics.rejects, 'reason'),
    barsAccepted: await byLabel(collector.metrics.barsAccepted, 'provider'),
    yahooOutcomes: await byLabel({ get: async () => ({ values: (await collector.metrics.fetches.get()).values.filter((v) => v.labels.provider === 'yahoo') }) }, 'outcome'),
    redisOutages: await total(collector.metrics.redisOutages),
    historyFlushFailures: await total(collector.metrics.historyFlushFailures),
    historyRefused: await total(collector.metrics.historyRefused),
  };
  await collector.stop();
  log('collector stopped; auditing');
  const report = await audit(config, specs, marketAtStop);
  await tap.close();

  const durations = cycles.map((c) => c.durationMs).sort((x, y) => x - y);
  const pct = (p: number) => +(durations[Math.min(durations.length - 1, Math.floor((p / 100) * durations.length))] ?? NaN).toFixed(1);
  const rssGrowth = +(((end.rssMb - warm.rssMb) / warm.rssMb) * 100).toFixed(1);
  const back = tap.find(MSG.redisBack)[0];
  const historyBack = tap.find(MSG.historyBack)[0];
  const errors = [...tap.counts].filter(([k]) => k.startsWith('error') || k.startsWith('fatal'));

  const table: Record<string, string | number> = {
    'symbols / seconds / SIM_SPEED': `${SYMBOLS} / ${SECONDS} / ${SIM_SPEED}`,
    'startup incl. backfill (ms)': startupMs,
    'RSS after warm-up (MB)': `${warm.rssMb} at ${warm.t} s`,
    'RSS at end (MB)': `${end.rssMb} at ${end.t} s`,
    'RSS growth %': rssGrowth,
    'RSS max (MB)': Math.max(...sampler.samples.map((s) => s.rssMb)),
    'heap after GC, warm-up → end (MB)': `${warm.heapAfterGcMb ?? 'n/a'} → ${end.heapAfterGcMb ?? 'n/a'}`,
    'event-loop delay p50 / p99 / max (ms)': `${eld.eldP50Ms} / ${eld.eldP99Ms} / ${eld.eldMaxMs}`,
    cycles: figures.cycles,
    overruns,
    'cycle ms p50 / p99 / max': `${pct(50)} / ${pct(99)} / ${pct(100)}`,
    'cycles without Redis write': cycles.filter((c) => !c.redisWritten).length,
    'faults injected (timeout / 5xx / bad)': `${script.injected.timeout} / ${script.injected.http5xx} / ${script.injected.bad_payload} of ${script.requests}`,
    'rejects by reason': JSON.stringify(figures.rejects),
    'final bars accepted by provider': JSON.stringify(figures.barsAccepted),
    'primary (yahoo) outcomes': JSON.stringify(figures.yahooOutcomes),
    'redis outages': figures.redisOutages,
    'redis outage ms / refilled bars': back ? `${String(back.outageMs)} / ${String(back.refilledBars)}` : 'never came back',
    'redis restart → window refilled (ms)': back ? back.time - outage.restartedAt : 'n/a',
    'history stall held (ms)': stall.heldMs,
    'history flush failures': figures.historyFlushFailures,
    'history max pending bars': sampler.maxPending,
    'history outage ms / rows written after': historyBack ? `${String(historyBack.outageMs)} / ${String(historyBack.rowsWritten)}` : 'never recovered',
    'history refused bars': figures.historyRefused,
    'history bars': report.historyBars,
    'redis bars compared': report.redisBars,
    'redis bars not in history / differing': `${report.redisNotInHistory} / ${report.redisMismatched}`,
    'history bars missing from the window': report.windowGaps,
    holes: report.holes,
    'duplicates history / redis': `${report.duplicatesHistory} / ${report.duplicatesRedis}`,
    'filled (flat) bars': report.filled,
    'bars whose values differ from the source': report.valuesNotFromSource,
    'tail lag at stop (market min)': report.tailLagMinutes,
    'error log lines': errors.reduce((n, [, c]) => n + c, 0),
  };
  const criteria: Record<string, boolean> = {
    'holes = 0': report.holes === 0,
    'Redis ⊆ history (same values)': report.redisNotInHistory === 0 && report.redisMismatched === 0,
    [`RSS growth ≤ ${RSS_GROWTH_MAX} %`]: rssGrowth <= RSS_GROWTH_MAX,
    'overruns = 0': overruns === 0,
    'no duplicates': report.duplicatesHistory + report.duplicatesRedis === 0,
    'window refilled without gaps': report.windowGaps === 0 && back !== undefined,
    'history recovered after the stall': historyBack !== undefined && stall.heldMs > 0,
    'history values = source values': report.valuesNotFromSource === 0,
  };
  passed = Object.values(criteria).every(Boolean);

  console.table(table);
  const phases = [
    ...script.plan.storms.map((st) => ({ name: `${st.fault} storm`, from: st.fromMs / 1000, to: st.toMs / 1000 })),
    { name: 'redis down', from: (outage.stoppedAt - t0) / 1000, to: (outage.restartedAt - t0) / 1000 },
    ...(back ? [{ name: 'redis refill', from: (outage.restartedAt - t0) / 1000, to: (back.time - t0) / 1000 }] : []),
    { name: 'history stall', from: (stall.startedAt - t0) / 1000, to: (stall.startedAt + stall.heldMs - t0) / 1000 },
  ];
  console.log('timeline (worst per row):');
  console.table(timeline(sampler.samples, phases, Math.max(10, Math.round(SECONDS / 100) * 10)));
  for (const [name, ok] of Object.entries(criteria)) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}`);
  if (errors.length > 0) console.log('error log lines:', Object.fromEntries(errors));
  if (report.examples.length > 0) console.log('examples:', report.examples);
  console.log(`soak ${passed ? 'PASS' : 'FAIL'}: ${Object.entries(criteria).filter(([, ok]) => !ok).map(([n]) => n).join(', ') || 'every criterion met'}`);

  mkdirSync(resultsDir, { recursive: true });
  const out = join(resultsDir, 'soak.json');
  const events = { redisOutage: outage, redisBack: back ?? null, historyStall: stall, historyBack: historyBack ?? null };
  writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), passed, criteria, table, figures, eld, audit: report, events, logCounts: Object.fromEntries(tap.counts), rss: { warm, end, samples: sampler.samples } }, null, 2));
  log(`figures written to ${out}${passed ? '' : `; collector log and database kept in ${dir}`}`);
} catch (error) {
  console.error(error);
} finally {
  await redis.stop();
  if (passed) rmSync(dir, { recursive: true, force: true });
}
process.exitCode = passed ? 0 : 1;
exitSoon();
