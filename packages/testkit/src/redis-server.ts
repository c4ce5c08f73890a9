import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from './ports';

export interface PrivateRedis {
  url: string;
  port: number;
  /** true between start (or restart) and stop */
  readonly running: boolean;
  /** stops the server (SIGTERM); its data is gone: it persists nothing */
  stop(): Promise<void>;
  /** starts it again on the same port, empty (a Redis that lost its data) */
  restart(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

async function spawnRedis(port: number): Promise<ChildProcess> {
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (e) => reject(new Error(`cannot start redis-server (is it installed and on PATH?): ${e.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}`)));
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await Promise.race([ping(port), failed]);
    if (ok) break;
    if (Date.now() > deadline) throw new Error('redis-server did not answer within 10 s');
    await new Promise((r) => setTimeout(r, 25));
  }
  failed.catch(() => undefined);
  return child;
}

/**
 * Starts a throw-away redis-server (from PATH) on a free loopback port, persisting nothing,
 * so tests never touch anyone else's keys. `stop()` and `restart()` let a test stage an outage.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = await spawnRedis(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get running() {
      return child !== null;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        const c = child;
        child = null;
        if (!c || c.exitCode !== null) return resolve();
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
      }),
    restart: async () => {
      if (child) throw new Error('redis-server is still running; stop it first');
      child = await spawnRedis(port);
    },
  };
}
