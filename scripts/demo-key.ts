import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

/** Runs `marketpipe <args>` against the demo's Redis. */
export type MarketpipeCli = (args: string[]) => Promise<{ code: number | null; stdout: string }>;

/**
 * The demo's API key: the one saved in `file` while Redis still lists it as active, else a new
 * one (first start, revoked, or a Redis that lost it). So restarts do not pile up active keys,
 * and a key handed to a bot keeps working across them. Both steps go through the CLI, the one
 * writer of key records; `keys list` shows the first 12 hex digits of each key's SHA-256.
 */
export async function demoApiKey(file: string, marketpipe: MarketpipeCli): Promise<{ key: string; created: boolean }> {
  const saved = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (saved) {
    const listed = await marketpipe(['keys', 'list']);
    if (listed.code !== 0) throw new Error('could not list the API keys (marketpipe keys list)');
    const id = createHash('sha256').update(saved).digest('hex').slice(0, 12);
    const active = listed.stdout.split('\n').some((line) => {
      const [, , state, hash] = line.split('\t');
      return hash === id && state === 'active';
    });
    if (active) return { key: saved, created: false };
  }
  const made = await marketpipe(['keys', 'create', '--name', 'demo']);
  if (made.code !== 0) throw new Error('could not create the demo API key (marketpipe keys create)');
  const key = made.stdout.trim();
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return { key, created: true };
}
