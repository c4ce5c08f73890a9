import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * A child process of the demo, in its own process group so that stopping it also stops what
 * it started (wrangler's workerd, tsx's node) and so that Ctrl-C reaches only the demo, which
 * then stops the children in order.
 */
export class Child {
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  #stopping = false;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    options: SpawnOptions & { onLine?: (line: string, stream: 'stdout' | 'stderr') => void },
  ) {
    this.process = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null)));
      this.process.once('error', (error) => {
        process.stderr.write(`[${name}] cannot start: ${error.message}\n`);
        resolve(null);
      });
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const readable = this.process[stream];
      if (!readable) continue;
      createInterface({ input: readable }).on('line', (line) =>
        options.onLine ? options.onLine(line, stream) : process.stdout.write(`[${name}] ${line}\n`),
      );
    }
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** SIGTERM to the whole group; SIGKILL after `graceMs` if it has not exited by then. */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    if (!this.running || this.process.pid === undefined) return;
    const group = -this.process.pid;
    signal(group, 'SIGTERM');
    const timer = setTimeout(() => {
      process.stderr.write(`[${this.name}] did not stop within ${graceMs / 1000} s: killing it\n`);
      signal(group, 'SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
    // Grandchildren that outlived their parent (workerd under wrangler) go with the group.
    signal(group, 'SIGKILL');
  }
}

function signal(group: number, sig: NodeJS.Signals): void {
  try {
    process.kill(group, sig);
  } catch {
    // the group is already gone
  }
}

/** Runs a command to completion and returns its stdout (stderr passes through). */
export function capture(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}

/** Polls until `check` is true or `timeoutMs` passes. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`${what}: the process exited`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: not ready within ${timeoutMs / 1000} s`);
}
