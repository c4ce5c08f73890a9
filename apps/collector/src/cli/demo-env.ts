import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

/** Where `npm run demo` says which Redis it uses, relative to the directory it runs in. */
export const DEMO_ENV = join('data', 'demo.env');

type Env = Record<string, string | undefined>;

/**
 * The demo may run its private Redis on any free port (6379 is often a system Redis), so while
 * it runs it writes the URL to ./data/demo.env. Written by the demo, read by the CLI: one format.
 */
export async function writeDemoEnv(dir: string, redisUrl: string, prefix: string | undefined): Promise<void> {
  const lines = [
    '# Written by `npm run demo` while it runs; removed when it stops. `npx marketpipe run|keys`',
    '# use this Redis when REDIS_URL is unset, so keys created there work with the demo API.',
    `REDIS_URL=${redisUrl}`,
    ...(prefix ? [`REDIS_PREFIX=${prefix}`] : []),
    `DEMO_PID=${process.pid}`,
  ];
  await writeFile(join(dir, DEMO_ENV), `${lines.join('\n')}\n`);
}

export async function removeDemoEnv(dir: string): Promise<void> {
  await rm(join(dir, DEMO_ENV), { force: true });
}

/**
 * `env` with the running demo's REDIS_URL (and prefix) when REDIS_URL is unset, and the file
 * it came from (`from`) so messages can say where the URL came from. A file left behind by a
 * demo that was killed is ignored: its pid is gone.
 */
export function withDemoRedis(env: Env, cwd: string): { env: Env; from?: string } {
  if (env.REDIS_URL) return { env };
  let demo: Env;
  try {
    demo = parseEnv(readFileSync(join(cwd, DEMO_ENV), 'utf8'));
  } catch {
    return { env };
  }
  if (!demo.REDIS_URL || !alive(Number(demo.DEMO_PID))) return { env };
  const prefix = env.REDIS_PREFIX ?? demo.REDIS_PREFIX;
  return { env: { ...env, REDIS_URL: demo.REDIS_URL, ...(prefix ? { REDIS_PREFIX: prefix } : {}) }, from: DEMO_ENV };
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
