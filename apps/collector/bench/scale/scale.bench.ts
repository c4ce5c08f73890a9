/**
 * Scale benchmark (issue #13; results in docs/performance.md, "Scale"): the real collector
 * polling a local Twelve Data over HTTP with batch requests, features and signals on, real
 * Redis and libSQL, one cycle a second.
 *   npm run bench:scale                                   5,000 symbols for 300 s
 *   SCALE_SYMBOLS=5000 SCALE_SECONDS=60 npm run bench:scale
 *   SCALE_GROWTH=100,1000,5000,20000 SCALE_SECONDS=60 npm run bench:scale
 * Collector settings in the environment are passed on, e.g. BAR_INTERVALS= FEATURE_INTERVALS=1m for
 * the 1m pipeline alone (the defaults add six higher timeframes, two of them with features).
 * Writes bench-results/scale.json (the last run), bench-results/scale-cycles.json (its cycles one
 * by one) and, in growth mode, bench-results/scale-growth.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { runScale, type ScaleResult } from './run-scale';

const seconds = Number(process.env.SCALE_SECONDS ?? 300);
const sizes = (process.env.SCALE_GROWTH ?? process.env.SCALE_SYMBOLS ?? '5000').split(',').map(Number);
const batchSize = Number(process.env.SCALE_BATCH ?? 100);
const API_KEY = 'bench-key';
const PASSED_ON = ['BAR_INTERVALS', 'FEATURE_INTERVALS', 'PROVIDER_TIMEOUT_MS', 'HISTORY_FLUSH_MS'];
const env = Object.fromEntries(PASSED_ON.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]));

/** CPU ms a process has used (Linux /proc; utime + stime are in clock ticks, 100 a second on Linux). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The fake provider in a process of its own, so the collector's CPU figures are its own. */
async function startFakeProvider(): Promise<{ url: string; cpuMs(): number; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./fake-twelvedata.ts', import.meta.url).pathname], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fake provider exited with ${code}`)));
    lines.on('line', (line) => {
      const m = /^PORT (\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
    });
  });
  return { url: `http://127.0.0.1:${port}`, cpuMs: () => processCpuMs(child.pid!), stop: () => child.kill('SIGTERM') };
}

const fake = await startFakeProvider();
const results: ScaleResult[] = [];
try {
  for (const symbols of sizes) {
    process.stderr.write(`bench:scale: ${symbols} symbols for ${seconds} s (batches of ${batchSize}) ${JSON.stringify(env)}…\n`);
    results.push(await runScale({ symbols, seconds, providerUrl: fake.url, apiKey: API_KEY, batchSize, env, providerCpuMs: fake.cpuMs }));
    const { cycleLog: _, ...row } = results.at(-1)!;
    console.table([row]);
  }
} finally {
  fake.stop();
}
mkdirSync('bench-results', { recursive: true });
const { cycleLog, ...last } = results.at(-1)!;
writeFileSync('bench-results/scale.json', `${JSON.stringify(last, null, 2)}\n`);
writeFileSync('bench-results/scale-cycles.json', `${JSON.stringify(cycleLog)}\n`);
if (results.length > 1) {
  writeFileSync('bench-results/scale-growth.json', `${JSON.stringify(results.map(({ cycleLog: _, ...r }) => r), null, 2)}\n`);
  console.table(results.map((r) => ({ symbols: r.symbols, p50Ms: r.p50Ms, p99Ms: r.p99Ms, maxMs: r.maxMs, overruns: r.overruns, lostBars: r.lostBars, cpuMsPerCycle: r.cpuMsPerCycle, rssMb: r.rssMb })));
}
process.exit(0);
