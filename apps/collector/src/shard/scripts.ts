import { createHash } from 'node:crypto';
import type { BinaryRedisClient } from '../redis/client';

/** A Lua script called by its SHA1 (EVALSHA), loaded once and again after Redis forgot it (a restart). */
export class Script {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

const isNoScript = (error: unknown): boolean =>
  /NOSCRIPT/.test(String(error)) ||
  (typeof error === 'object' && error !== null && 'replies' in error && Array.isArray(error.replies) && error.replies.some((r) => /NOSCRIPT/.test(String(r))));

/** Runs `send`; when Redis does not know a script (it restarted empty), loads them and runs it once more. */
export async function withScripts<T>(client: BinaryRedisClient, scripts: readonly Script[], send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (!isNoScript(error)) throw error;
    for (const s of scripts) await client.scriptLoad(s.source);
    return send();
  }
}
