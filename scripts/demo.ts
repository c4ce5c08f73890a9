/**
 * `npm run demo`: the whole pipeline on this machine, no keys, no network.
 *
 *   redis-server (REDIS_URL, or a private one from PATH persisting in ./data, restarted if it dies)
 *     ← collector  (`marketpipe run`, PROVIDERS=sim; backfills 24 h on first start)
 *     ← bridge     (Upstash REST on BRIDGE_PORT, default 8079, generated BRIDGE_TOKEN)
 *     ← API Worker (`wrangler dev` on http://127.0.0.1:8787; API_AUTH=optional unless
 *                    `API_AUTH=required npm run demo`, which enforces the key as deployed)
 *
 * While it runs, ./data/demo.env names its Redis, so `npx marketpipe keys …` without REDIS_URL
 * writes where the demo's API reads. Its own API key lives in ./data/demo.key and is reused
 * across restarts while Redis holds it unrevoked.
 *
 * Ctrl-C / SIGTERM stops the children in order: the collector first (it flushes its history
 * buffer; we wait for it), then the Worker, the bridge and Redis.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { removeDemoEnv, writeDemoEnv } from '../apps/collector/src/cli/demo-env';
import { apiBanner, demoApiAuth } from './demo-auth';
import { Child, capture, waitFor } from './demo-children';
import { demoApiKey } from './demo-key';
import { adoptSnapshot, redisArgs, redisPing } from './demo-redis';
import { Supervised } from './supervisor';

const ROOT = resolve(import.meta.dirname, '..');
const DATA = resolve(ROOT, 'data');
const NODE = process.execPath;
const API_PORT = 8787;
const BRIDGE_PORT = Number(process.env.BRIDGE_PORT ?? 8079);
const MARKETPIPE = resolve(ROOT, 'apps/collector/bin/marketpipe.js');
const WRANGLER = resolve(ROOT, 'node_modules/wrangler/bin/wrangler.js');

const children: (Child | Supervised)[] = [];
let shuttingDown: Promise<void> | undefined;

const say = (line: string) => process.stdout.write(`[demo] ${line}\n`);

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer()
      .once('error', () => done(false))
      .listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

async function anyFreePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** pino JSON lines → "[collector] info message key=value"; anything else verbatim. */
function collectorLine(line: string): void {
  try {
    const { level, msg, time: _t, pid: _p, hostname: _h, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const name = ({ 20: 'debug', 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' } as Record<string, string>)[String(level)] ?? String(level);
    const extra = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(' ');
    process.stdout.write(`[collector] ${name} ${String(msg)}${extra ? `  ${extra}` : ''}\n`);
  } catch {
    process.stdout.write(`[collector] ${line}\n`);
  }
}

function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Child {
  const child = new Child(name, command, args, { cwd: ROOT, env, ...(onLine ? { onLine } : {}) });
  children.push(child);
  // A child that dies on its own takes the demo down: a half-running pipeline misleads.
  // The private Redis is the exception: it is restarted in place (see startRedis).
  void child.exited.then((code) => {
    if (!child.stopping && !shuttingDown) {
      say(`${name} exited unexpectedly (code ${code}); stopping everything`);
      void shutdown(1);
    }
  });
  return child;
}

async function startRedis(): Promise<string> {
  if (process.env.REDIS_URL) {
    if (!(await redisPing(process.env.REDIS_URL))) throw new Error(`REDIS_URL=${process.env.REDIS_URL} does not answer PING`);
    say(`using Redis at ${process.env.REDIS_URL}`);
    return process.env.REDIS_URL;
  }
  if (spawnSync('redis-server', ['--version']).error) {
    process.stderr.write(
      'redis-server was not found on PATH and REDIS_URL is not set.\n' +
        'Install Redis (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`)\n' +
        'or point REDIS_URL at a running Redis, then run `npm run demo` again.\n',
    );
    process.exit(1);
  }
  const port = (await portFree(6379)) ? 6379 : await anyFreePort();
  const url = `redis://127.0.0.1:${port}`;
  const converting = (args: string[]) => start('redis', 'redis-server', args, process.env, () => undefined);
  if (await adoptSnapshot(port, DATA, converting)) say('converted ./data/dump.rdb to an append-only file (./data/appendonlydir)');
  // Same port and data dir on every restart, so clients reconnect to the same URL and find their keys.
  const redis = new Supervised('redis', {
    start: () => new Child('redis', 'redis-server', redisArgs(port, DATA), { cwd: ROOT, env: process.env, onLine: () => undefined }),
    where: `on 127.0.0.1:${port} with data in ./data`,
    say,
    onGiveUp: (reason) => {
      say(`${reason}; stopping everything`);
      void shutdown(1);
    },
  });
  children.push(redis);
  // Long enough for the restarts to either get it up or give up (which stops the demo).
  await waitFor('redis-server', () => redisPing(url), 30_000, () => !redis.gaveUp);
  say(`started a private redis-server at ${url} (data in ./data)`);
  return url;
}

async function startBridge(redisUrl: string): Promise<{ url: string; token: string }> {
  if (!(await portFree(BRIDGE_PORT))) throw new Error(`BRIDGE_PORT ${BRIDGE_PORT} is in use; set BRIDGE_PORT to a free port`);
  const token = process.env.BRIDGE_TOKEN ?? randomBytes(24).toString('base64url');
  let announced: { url: string; token: string } | undefined;
  const bridge = start(
    'bridge',
    NODE,
    ['--import', 'tsx', 'apps/bridge/src/main.ts'],
    { ...process.env, BRIDGE_PORT: String(BRIDGE_PORT), BRIDGE_TOKEN: token, REDIS_URL: redisUrl },
    (line) => {
      try {
        announced = JSON.parse(line) as { url: string; token: string };
      } catch {
        process.stdout.write(`[bridge] ${line}\n`);
      }
    },
  );
  await waitFor('bridge', async () => announced !== undefined, 15_000, () => bridge.running);
  return announced!;
}

async function main(): Promise<void> {
  // A mistyped API_AUTH stops the demo before anything starts.
  const apiAuth = demoApiAuth(process.env);
  await mkdir(DATA, { recursive: true });
  if (!(await portFree(API_PORT))) throw new Error(`port ${API_PORT} is in use (another wrangler dev?)`);
  const redisUrl = await startRedis();
  // so that `npx marketpipe keys …` in another terminal, without REDIS_URL, uses this Redis
  await writeDemoEnv(ROOT, redisUrl, process.env.REDIS_PREFIX);
  const bridge = await startBridge(redisUrl);
  say(`bridge (Upstash REST) at ${bridge.url}`);

  const collectorEnv = { ...process.env, PROVIDERS: 'sim', REDIS_URL: redisUrl, SIM_SPEED: process.env.SIM_SPEED ?? '1' };
  const collector = start('collector', NODE, [MARKETPIPE, 'run'], collectorEnv, collectorLine);

  const { key: apiKey, created } = await demoApiKey(resolve(DATA, 'demo.key'), (args) => capture(NODE, [MARKETPIPE, ...args], collectorEnv));

  // wrangler dev reads secrets from .dev.vars (gitignored); they override wrangler.toml [vars].
  const devVars = {
    UPSTASH_REDIS_REST_URL: bridge.url,
    UPSTASH_REDIS_REST_TOKEN: bridge.token,
    API_AUTH: apiAuth,
    ...(process.env.REDIS_PREFIX ? { REDIS_PREFIX: process.env.REDIS_PREFIX } : {}),
  };
  await writeFile(resolve(ROOT, '.dev.vars'), Object.entries(devVars).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
  // The dashboard's script is a build product (lightweight-charts bundled in): built before wrangler serves it.
  const built = spawnSync('npm', ['run', '--silent', 'build:dashboard', '-w', '@marketpipe/api'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('building the dashboard failed: npm run build:dashboard -w @marketpipe/api');
  const wrangler = start(
    'api',
    NODE,
    [WRANGLER, 'dev', '--ip', '127.0.0.1', '--port', String(API_PORT), '--show-interactive-dev-session=false'],
    // No network here: skip wrangler's metrics and its download of the Request.cf object.
    { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  );
  await waitFor('wrangler dev', async () => (await fetch(`http://127.0.0.1:${API_PORT}/v1/health`)).status > 0, 60_000, () => wrangler.running);
  await waitFor(
    'first bars',
    // With the key: it is verified in both modes, and required in one.
    async () => (await fetch(`http://127.0.0.1:${API_PORT}/v1/bars/EURUSD?limit=5`, { headers: { authorization: `Bearer ${apiKey}` } })).ok,
    120_000,
    () => collector.running,
  );

  say('');
  say(`dashboard  http://127.0.0.1:${API_PORT}/   (live chart${apiAuth === 'required' ? '; paste the API key below when asked' : ''})`);
  for (const line of apiBanner({ origin: `http://127.0.0.1:${API_PORT}`, auth: apiAuth, key: apiKey, created })) say(line);
  say(`stream     curl -N ${apiAuth === 'required' ? `-H "Authorization: Bearer ${apiKey}" ` : ''}"127.0.0.1:${API_PORT}/v1/stream?symbols=EURUSD"   (Server-Sent Events; WebSocket on the same URL)`);
  say(`collector  http://127.0.0.1:${process.env.COLLECTOR_PORT ?? 9464}/metrics  /health  /ready`);
  say(`bridge     ${bridge.url}   Redis ${redisUrl}`);
  say(`keys       npx marketpipe keys create --name mybot   (uses this Redis while the demo runs: data/demo.env)`);
  say('Ctrl-C stops everything.');
}

/** Stops the children in dependency order; the collector gets time to flush history. */
function shutdown(code: number): Promise<void> {
  shuttingDown ??= (async () => {
    say('stopping…');
    const byName = (name: string) => children.filter((c) => c.name === name);
    for (const [name, graceMs] of [['collector', 30_000], ['api', 5_000], ['bridge', 5_000], ['redis', 10_000]] as const) {
      await Promise.all(byName(name).map((c) => c.stop(graceMs)));
    }
    await removeDemoEnv(ROOT);
    say('stopped');
    process.exit(code);
  })();
  return shuttingDown;
}

// `on`, not `once`: Ctrl-C reaches this process twice (from the terminal and relayed by tsx),
// and a second, unhandled SIGINT would kill the demo before its children are stopped.
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

main().catch((error: unknown) => {
  process.stderr.write(`[demo] ${error instanceof Error ? error.message : String(error)}\n`);
  void shutdown(1);
});
