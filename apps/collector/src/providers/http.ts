import { Agent, request } from 'undici';
import type { ProviderName } from '@marketpipe/core';
import { ProviderError } from './types';

export interface HttpOptions {
  /** per-request deadline; a provider slower than this is failed over, not waited for */
  timeoutMs: number;
  /** false opens a fresh TCP connection per request (only to measure what pooling saves) */
  keepAlive?: boolean;
  /** pooled connections per provider (default 16) */
  connections?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** the body parsed as JSON, or undefined when it was not JSON (e.g. Yahoo's plain-text 429) */
  json: unknown;
  text: string;
}

const SECRET_PARAMS = /([?&](?:apikey|api_key|apiKey|token)=)[^&#]*/gi;

/** Removes API keys from a URL so it can appear in logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1***');
}

/**
 * One keep-alive connection pool per provider: at one request per symbol per second, a new
 * TCP (and, in production, TLS) handshake per request would cost more than the request.
 */
export class ProviderHttp {
  readonly #agent: Agent;
  readonly #provider: ProviderName;
  readonly #opts: HttpOptions;
  #closing: Promise<void> | undefined;

  constructor(provider: ProviderName, opts: HttpOptions) {
    this.#provider = provider;
    this.#opts = opts;
    this.#agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000, connections: opts.connections ?? 16 });
  }

  /** GETs `url`; transport failures and timeouts become ProviderError (key-free messages). */
  async get(url: string, signal?: AbortSignal): Promise<HttpResponse> {
    const timeout = AbortSignal.timeout(this.#opts.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let status: number;
    let headers: HttpResponse['headers'];
    let text: string;
    try {
      const res = await request(url, {
        method: 'GET',
        dispatcher: this.#agent,
        signal: combined,
        reset: this.#opts.keepAlive === false,
        headers: { accept: 'application/json', 'user-agent': 'marketpipe-collector' },
      });
      status = res.statusCode;
      headers = res.headers;
      text = await res.body.text();
    } catch (error) {
      const what = timeout.aborted ? `timed out after ${this.#opts.timeoutMs} ms` : describe(error);
      throw new ProviderError('provider_error', this.#provider, `GET ${redactUrl(url)} ${what}`, {
        cause: stripUrls(error),
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status, headers, json, text };
  }

  /** Idempotent: the chain and its owner may both close the same fetchers. */
  close(): Promise<void> {
    this.#closing ??= this.#agent.close();
    return this.#closing;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return redactUrl(error.message);
  return 'failed';
}

/** The cause is logged by callers; keep its name and code but never a URL with a key. */
function stripUrls(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const clean = new Error(redactUrl(error.message));
  clean.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(clean, { code });
  return clean;
}

/** Maps an HTTP status that is not 2xx to the reject code it is counted under. */
export function statusError(provider: ProviderName, status: number, url: string, detail: string): ProviderError {
  const code = status === 429 ? 'rate_limited' : 'provider_error';
  return new ProviderError(code, provider, `HTTP ${status} from ${redactUrl(url)}: ${detail.slice(0, 200)}`);
}
