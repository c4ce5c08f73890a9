import { UpstreamError } from '../errors';
import { REST_TIMEOUT_MS, restFailure, whyThrown } from './rest-failure';

/** A reply with every string as its raw bytes. */
export type BinaryReply = Uint8Array | number | null | BinaryReply[];

/** One command's outcome in a pipeline: its reply, or Redis's error for it. */
export type Entry = { result: BinaryReply } | { error: string };

// `Uint8Array.fromBase64` (TC39, in workerd) is native and several times faster than atob.
const fromBase64: (b64: string) => Uint8Array =
  typeof (Uint8Array as { fromBase64?: unknown }).fromBase64 === 'function'
    ? (b64) => (Uint8Array as unknown as { fromBase64(s: string): Uint8Array }).fromBase64(b64)
    : (b64) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

function toBinary(value: unknown): BinaryReply {
  if (typeof value === 'string') return fromBase64(value);
  if (typeof value === 'number' || value === null) return value;
  if (Array.isArray(value)) return value.map(toBinary);
  throw new UpstreamError('unexpected value in a Redis REST reply');
}

const utf8 = new TextDecoder();
/** A bulk-string reply as text (JSON values, keys, cursors); null for anything else. */
export const textOf = (reply: BinaryReply | undefined): string | null => (reply instanceof Uint8Array ? utf8.decode(reply) : null);

/** The reply of command `index`, or the 503 naming its Redis error. */
export function resultOf(what: string, entry: Entry, index: number, command: (string | number)[] | undefined): BinaryReply {
  if ('error' in entry) throw restFailure(what, `Redis command ${index + 1} (${String(command?.[0])}): ${entry.error}`);
  return entry.result;
}

/** Connection failures are retried this many times, after these pauses (ms), within the one deadline. */
const RETRY_PAUSES_MS = [50, 100];

/**
 * The Worker's one client of the Upstash REST protocol: a POST to `/pipeline` with
 * `Upstash-Encoding: base64`, decoding each reply back to the bytes Redis holds. Binary-safe,
 * which `@upstash/redis` is not (it decodes every base64 reply through TextDecoder, mangling
 * msgpack); JSON values are decoded from those bytes by the caller (`textOf`).
 */
export class BinaryPipeline {
  readonly #endpoint: string;
  readonly #headers: Record<string, string>;

  constructor(url: string, token: string) {
    this.#endpoint = `${url.replace(/\/$/, '')}/pipeline`;
    this.#headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'upstash-encoding': 'base64' };
  }

  /**
   * Runs the commands in one round trip; any command's Redis error fails the whole read.
   * `what` names the read in the 503 if it fails ("reading bars failed: …").
   */
  async exec(what: string, commands: (string | number)[][]): Promise<BinaryReply[]> {
    return (await this.entries(what, commands)).map((entry, i) => resultOf(what, entry, i, commands[i]));
  }

  /** Runs the commands in one round trip, each command's Redis error returned as its entry. */
  async entries(what: string, commands: (string | number)[][]): Promise<Entry[]> {
    const { response, text } = await this.#post(what, JSON.stringify(commands));
    if (!response.ok) throw restFailure(what, `${errorText(text)} (HTTP ${response.status})`);
    return (JSON.parse(text) as { result?: unknown; error?: string }[]).map((entry) =>
      entry.error !== undefined ? { error: entry.error } : { result: toBinary(entry.result ?? null) },
    );
  }

  /**
   * One deadline for the call, retries included: a request must fail fast (503) rather than
   * hang when Redis is away. Only a connection that fails is retried; an answer, even an
   * error, is final.
   */
  async #post(what: string, body: string): Promise<{ response: Response; text: string }> {
    const signal = AbortSignal.timeout(REST_TIMEOUT_MS);
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(this.#endpoint, { method: 'POST', headers: this.#headers, body, signal });
        return { response, text: await response.text() };
      } catch (cause) {
        const pause = RETRY_PAUSES_MS[attempt];
        if (pause === undefined || signal.aborted) throw restFailure(what, whyThrown(cause), cause);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }
}

/** The `error` of an Upstash REST error body, or the start of whatever else came back. */
function errorText(body: string): string {
  try {
    const { error } = JSON.parse(body) as { error?: unknown };
    if (typeof error === 'string') return error;
  } catch {
    // not JSON: a proxy's error page, say
  }
  return body.slice(0, 200);
}
