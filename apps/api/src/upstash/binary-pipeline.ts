import { UpstreamError } from '../errors';
import { REST_TIMEOUT_MS, restFailure, whyThrown } from './rest-failure';

/** A reply with every string as its raw bytes. */
export type BinaryReply = Uint8Array | number | null | BinaryReply[];

interface Entry {
  result?: unknown;
  error?: string;
}

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

/**
 * A binary-safe reader over the Upstash REST protocol. `@upstash/redis` decodes every
 * base64 reply through TextDecoder, which mangles msgpack bytes that are not valid UTF-8,
 * so the msgpack keys are read here: one POST to `/pipeline` with `Upstash-Encoding: base64`,
 * decoding the base64 back to the bytes Redis holds. Same URL and token as the client.
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
    let response: Response;
    let text: string;
    try {
      const init = { method: 'POST', headers: this.#headers, body: JSON.stringify(commands), signal: AbortSignal.timeout(REST_TIMEOUT_MS) };
      response = await fetch(this.#endpoint, init);
      text = await response.text();
    } catch (cause) {
      throw restFailure(what, whyThrown(cause), cause);
    }
    if (!response.ok) throw restFailure(what, `${errorText(text)} (HTTP ${response.status})`);
    const entries = JSON.parse(text) as Entry[];
    return entries.map((entry, i) => {
      if (entry.error !== undefined) throw restFailure(what, `Redis command ${i + 1} (${String(commands[i]?.[0])}): ${entry.error}`);
      return toBinary(entry.result ?? null);
    });
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
