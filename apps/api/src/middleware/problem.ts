import type { ErrorHandler, NotFoundHandler } from 'hono';
import { UnknownSymbolError } from '@marketpipe/core';
import { ApiError, ConfigError, NotFoundError, PROBLEMS, UpstreamError, type ProblemCode } from '../errors';

/** RFC 9457 problem details, plus `code`; extension members sit beside these. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ProblemCode;
}

interface Described {
  code: ProblemCode;
  detail: string;
  /**
   * Worth logging: an upstream failure or a misconfiguration in one line (its detail says it
   * all, and a Redis outage repeats it on every request), a bug with its stack. Never a
   * client's mistake.
   */
  log?: 'line' | 'stack';
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/**
 * What a problem may echo of the request. A client controls the path and the parameters, so
 * a 10 KB path must not come back as a 10 KB body (or log line); the start is enough to
 * recognise it.
 */
export const LIMITS = { instance: 256, detail: 512, issues: 10, extension: 128 } as const;

const cap = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

function bounded(extensions: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(extensions)) {
    if (typeof value === 'string') out[name] = cap(value, LIMITS.extension);
    else if (name === 'issues' && Array.isArray(value)) {
      out[name] = (value as { path: string; message: string }[])
        .slice(0, LIMITS.issues)
        .map((i) => ({ path: cap(i.path, LIMITS.extension), message: cap(i.message, LIMITS.detail) }));
    } else out[name] = value;
  }
  return out;
}

export const problemType = (code: ProblemCode) => `urn:marketpipe:problem:${code}`;

function describe(error: unknown): Described {
  if (error instanceof ApiError) {
    return {
      code: error.code,
      detail: error.message,
      extensions: error.extensions,
      headers: error.headers,
      log: error instanceof UpstreamError || error instanceof ConfigError ? 'line' : undefined,
    };
  }
  if (error instanceof UnknownSymbolError) {
    return {
      code: error.code,
      detail: `${error.message}; GET /v1/symbols lists the symbols served here`,
      extensions: { symbol: error.symbol },
    };
  }
  // Anything else is a bug: say so without leaking internals.
  return { code: 'internal', detail: 'the request failed unexpectedly', log: 'stack' };
}

/** The problem+json response for any thrown value; the path of `url` becomes the `instance` member. */
export function problemResponse(error: unknown, url: string): Response {
  const { code, detail, extensions = {}, headers, log } = describe(error);
  const { status, title } = PROBLEMS[code];
  const problem: Problem = {
    type: problemType(code),
    title,
    status,
    detail: cap(detail, LIMITS.detail),
    instance: cap(new URL(url).pathname, LIMITS.instance),
    code,
  };
  if (log === 'line') console.warn(`${status} ${problem.instance}: ${problem.detail}`);
  if (log === 'stack') console.error(error);
  return new Response(JSON.stringify({ ...problem, ...bounded(extensions) }), {
    status,
    headers: { ...headers, 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
  });
}

/** The one place errors become responses (`app.onError`). */
export const problemJson = (): ErrorHandler => (error, c) => problemResponse(error, c.req.url);

export const problemNotFound = (): NotFoundHandler => (c) =>
  problemResponse(new NotFoundError(`no route for ${c.req.method} ${cap(c.req.path, LIMITS.instance)}`), c.req.url);
