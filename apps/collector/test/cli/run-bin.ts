import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/marketpipe.js', import.meta.url));

export interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * The real bin as a child process, in an empty directory (no ./data/demo.env) and with only
 * the environment given: a developer's own REDIS_URL or .env must not leak in.
 */
export function runBin(args: string[], opts: { env?: Record<string, string>; cwd?: string; nodeArgs?: string[] } = {}): Promise<BinRun> {
  const started = Date.now();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, ...args], {
    cwd: opts.cwd ?? mkdtempSync(join(tmpdir(), 'marketpipe-cli-')),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}
