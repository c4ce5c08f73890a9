/**
 * API load benchmark (docs/architecture.md §8): autocannon against the Worker in workerd, the
 * bridge and a private Redis that the real collector keeps filling with BENCH_SYMBOLS symbols
 * (sim feed), every route in one run next to two reference routes (BENCH_ROUTES=1): one that
 * returns a constant and one that does a single Redis PING through the bridge. All routes,
 * the reference ones too, pass the same auth (a cached key) and rate limit (one round trip).
 * Targets: each data route's p50 within 1 ms of the PING route's, /v1/signals for every symbol
 * within 10 ms; no errors. Latencies are measured here in µs (autocannon's own histogram
 * keeps whole ms, and only of 2xx answers).
 *
 *   npm run bench -w @marketpipe/api
 *   BENCH_SECONDS=30 BENCH_ROUNDS=4 BENCH_CONNECTIONS=10 BENCH_SIDE_CONNECTIONS=1 BENCH_SYMBOLS=1000 npm run bench -w @marketpipe/api
 *
 * Two tables. "Alone": each route's own load for BENCH_SECONDS, in BENCH_ROUNDS slices with the
 * routes taking turns (its throughput and tail). "Side by side": BENCH_SECONDS × routes more (each route
 * as long as alone) on BENCH_SIDE_CONNECTIONS (1: a request's own time, no queue) in
 * which every connection sends all routes in turn, request after request, so each route's p50 is measured
 * against PING's under the same load at the same moments; the targets are read there.
 */
import { RouteLoad, SideBySideLoad, type RouteResult } from './load';
import { startBenchStack } from './stack';

const symbols = Number(process.env.BENCH_SYMBOLS ?? 1_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
/** One by default: at 10 every request queues 25–50 ms behind the others on 2 cores, and a route's 1 ms is lost in that queue's noise. */
const sideConnections = Number(process.env.BENCH_SIDE_CONNECTIONS ?? 1);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 4));
const backfillHours = Number(process.env.BENCH_BACKFILL_HOURS ?? 3);

interface Row {
  name: string;
  path: string;
  /** the greatest p50 above the PING route's that meets the target (ms); none for the reference routes */
  budgetMs?: number;
  conditional?: boolean;
}

const stack = await startBenchStack({ symbols, backfillHours });
try {
  const sym = stack.symbols[0]!;
  const rows: Row[] = [
    { name: 'constant (reference)', path: '/v1/bench/constant' },
    { name: 'PING (reference)', path: '/v1/bench/ping' },
    { name: 'bars ?limit=100', path: `/v1/bars/${sym}?limit=100`, budgetMs: 1 },
    { name: 'bars ?interval=1h', path: `/v1/bars/${sym}?interval=1h`, budgetMs: 1 },
    { name: 'features', path: `/v1/features/${sym}`, budgetMs: 1 },
    { name: `signals (${symbols.toLocaleString('en')} symbols)`, path: '/v1/signals?allowStale=true', budgetMs: 10 },
    { name: 'bars ?limit=100, If-None-Match', path: `/v1/bars/${sym}?limit=100`, budgetMs: 1, conditional: true },
    { name: 'features, If-None-Match', path: `/v1/features/${sym}`, budgetMs: 1, conditional: true },
    { name: `signals (${symbols.toLocaleString('en')}), If-None-Match`, path: '/v1/signals?allowStale=true', budgetMs: 10, conditional: true },
  ];
  process.stderr.write(`bench: ${rows.length} routes × ${seconds} s alone in ${rounds} rounds, ${connections} connections, then ${seconds * rows.length} s side by side, ${sideConnections}; ${symbols} symbols live\n`);
  const loads = rows.map((row) => new RouteLoad({ url: stack.url, path: row.path, authorization: stack.authorization, connections, conditional: row.conditional ?? false }));
  for (let round = 1; round <= rounds; round++) {
    for (const load of loads) await load.slice(seconds / rounds);
    process.stderr.write(`bench: round ${round}/${rounds} done\n`);
  }
  const alone = rows.map((row, i) => ({ ...row, ...loads[i]!.result() }));
  const together = await new SideBySideLoad({
    url: stack.url,
    authorization: stack.authorization,
    connections: sideConnections,
    targets: rows.map((row) => ({ path: row.path, conditional: row.conditional ?? false })),
  }).run(seconds * rows.length);
  const side = rows.map((row, i) => ({ ...row, ...together.routes[i]! }));
  const ms = (v: number) => +v.toFixed(2);
  const statuses = (r: RouteResult) => Object.entries(r.statuses).filter(([s]) => s !== '200' && s !== '304').map(([s, n]) => `${s}×${n}`).join(' ');

  console.log(`Each route alone, ${connections} connections (its own load, the routes taking turns in slices):`);
  console.table(
    alone.map((r) => ({
      route: r.name,
      'req/s': Math.round(r.requestsPerSecond),
      'p50 ms': ms(r.p50Ms),
      'p99 ms': ms(r.p99Ms),
      'HTTP 200': r.statuses[200] ?? 0,
      'HTTP 304': r.statuses[304] ?? 0,
      'KiB per 200': +(r.bytesPer200 / 1024).toFixed(1),
      other: statuses(r),
      errors: r.errors,
    })),
  );
  const ping = side.find((r) => r.path === '/v1/bench/ping')!;
  console.log(`Side by side, ${sideConnections} connection(s) (each sends the routes in turn; the targets are read here):`);
  console.table(
    side.map((r) => {
      const over = r.p50Ms - ping.p50Ms;
      return {
        route: r.name,
        'p50 ms': ms(r.p50Ms),
        'p99 ms': ms(r.p99Ms),
        'p50 − PING ms': r.budgetMs === undefined ? '' : ms(over),
        target: r.budgetMs === undefined ? '' : `≤ ${r.budgetMs} ms ${over <= r.budgetMs ? 'met' : 'MISSED'}`,
        'HTTP 200': r.statuses[200] ?? 0,
        'HTTP 304': r.statuses[304] ?? 0,
        other: statuses(r),
      };
    }),
  );
  console.log(`side by side: ${Math.round(side.reduce((n, r) => n + r.requestsPerSecond, 0))} req/s in all, ${together.errors} connection errors or timeouts`);
  const failed = [...alone, ...side].filter((r) => r.errors > 0 || statuses(r) !== '');
  if (failed.length || together.errors > 0) {
    process.stderr.write(`bench: errors or unexpected statuses on ${[...new Set(failed.map((r) => r.name))].join(', ') || 'the side-by-side run'}\n`);
    process.exitCode = 1;
  }
} finally {
  await stack.stop();
}
