import { errors } from '@upstash/redis/cloudflare';
import { UpstreamError } from '../errors';

/**
 * How long the Worker waits on the REST endpoint (Upstash, or the local bridge) before it
 * answers 503. Longer than the bridge's 2 s per command, so the bridge's more precise answer
 * ("no reply within 2000 ms") arrives first.
 */
export const REST_TIMEOUT_MS = 3_000;

/** The 503 for a failed call to Redis over REST: which call, and why as far as the Worker knows. */
export const restFailure = (what: string, why: string, cause?: unknown) => new UpstreamError(`${what} failed: ${why}`, { cause });

/** Why a call through `@upstash/redis` or `fetch` threw. */
export function whyThrown(cause: unknown): string {
  // The endpoint answered with an error; its own words name the cause ("redis unreachable: …"
  // from the bridge). The client keeps only that text, not the status, and appends the
  // command, which can hold key hashes or a whole Lua script: cut that off.
  if (cause instanceof errors.UpstashError) return cause.message.replace(/, command was: [\s\S]*$/, '').slice(0, 300);
  if (cause instanceof Error && cause.name === 'TimeoutError') {
    return `redis unreachable: no answer from the REST endpoint within ${REST_TIMEOUT_MS} ms`;
  }
  // fetch itself failed (after the client's retries): nothing answered at the endpoint.
  return `redis unreachable: cannot reach the REST endpoint (${cause instanceof Error ? cause.message : String(cause)})`;
}

/** One call through `@upstash/redis`; its failure becomes the 503 that names it. */
export async function viaRest<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    throw restFailure(what, whyThrown(cause), cause);
  }
}
