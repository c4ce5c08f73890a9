import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { capture, waitFor, type Child } from './demo-children';

/**
 * The command line of the demo's private redis-server: loopback only, persisting in `dir` as an
 * append-only file. `appendfsync always` puts a write on disk before Redis acknowledges it, so a
 * Redis restarted on the same `dir` after any death (SIGKILL, OOM killer, power loss) has every
 * acknowledged write; the demo writes little, and Redis fsyncs once per event-loop turn, not per
 * command. RDB snapshots are off: the AOF already has everything.
 */
export function redisArgs(port: number, dir: string): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];
}

export function redisPing(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) }, () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      done(d.toString().startsWith('+PONG') || d.toString().startsWith('-NOAUTH'));
    });
    socket.once('error', () => done(false));
  });
}

/** One command through redis-cli (installed with redis-server); returns its trimmed output. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { code, stdout } = await capture('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], process.env);
  if (code !== 0) throw new Error(`redis-cli ${args.join(' ')} exited with code ${code}`);
  return stdout.trim();
}

/**
 * Redis 7 with AOF on ignores a dump.rdb that has no AOF next to it and starts empty, so the
 * data dir of a demo from before the AOF (snapshots only) would silently lose its keys. This
 * converts such a dir the way the Redis docs say: load the snapshot with AOF off, turn AOF on
 * at runtime, wait for the rewrite to write the manifest. `spawn` starts the temporary
 * redis-server, so that the caller can stop it if interrupted. Returns whether there was anything to convert.
 */
export async function adoptSnapshot(port: number, dir: string, spawn: (args: string[]) => Child): Promise<boolean> {
  const manifest = join(dir, 'appendonlydir', 'appendonly.aof.manifest');
  if (!existsSync(join(dir, 'dump.rdb')) || existsSync(manifest)) return false;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'no', '--save', ''];
  const redis = spawn(args);
  try {
    await waitFor('redis-server (loading dump.rdb)', () => redisPing(`redis://127.0.0.1:${port}`), 60_000, () => redis.running);
    const reply = await redisCli(port, 'CONFIG', 'SET', 'appendonly', 'yes');
    if (reply !== 'OK') throw new Error(`redis-server refused to turn on its AOF: ${reply}`);
    await waitFor('AOF rewrite of dump.rdb', async () => existsSync(manifest), 60_000, () => redis.running);
  } finally {
    await redis.stop(10_000);
  }
  return true;
}
