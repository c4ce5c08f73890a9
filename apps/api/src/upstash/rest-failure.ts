import { UpstreamError } from '../errors';

/**
 * How long the Worker waits on the REST endpoint (Upstash, or the local bridge) before it
 * answers 503. Longer than the bridge's 2 s per command, so the bridge's more precise answer
 * ("no reply within 2000 ms") arrives first.
 */
export const REST_TIMEOUT_MS = 3_000;

/** The 503 for a failed call to Redis over REST: which call, and why as far as the Worker knows. */
export const restFailure = (what: string, why: string, cause?: unknown) => new UpstreamError(`${what} failed: ${why}`, { cause });

/** Why `fetch` of the REST endpoint threw. */
export function whyThrown(cause: unknown): string {
  if (cause instanceof Error && cause.name === 'TimeoutError') {
    return `redis unreachable: no answer from the REST endpoint within ${REST_TIMEOUT_MS} ms`;
  }
  return `redis unreachable: cannot reach the REST endpoint (${cause instanceof Error ? cause.message : String(cause)})`;
}
