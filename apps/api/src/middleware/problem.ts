import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { UnknownSymbolError } from '@marketpipe/core';
import { ApiError, ConfigError, NotFoundError, UpstreamError } from '../errors';

/** RFC 9457 problem details; extension members sit beside these. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
}

interface Described {
  problem: Omit<Problem, 'instance'>;
  /**
   * Worth logging: an upstream failure or a misconfiguration in one line (its detail says it
   * all, and a Redis outage repeats it on every request), a bug with its stack. Never a
   * client's mistake.
   */
  log?: 'line' | 'stack';
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
}

const problemType = (code: string) => `urn:marketpipe:problem:${code}`;

function describe(error: unknown): Described {
  if (error instanceof ApiError) {
    return {
      problem: { type: problemType(error.code), title: error.title, status: error.status, detail: error.message },
      extensions: error.extensions,
      headers: error.headers,
      log: error instanceof UpstreamError || error instanceof ConfigError ? 'line' : undefined,
    };
  }
  if (error instanceof UnknownSymbolError) {
    return {
      problem: {
        type: problemType(error.code),
        title: 'Unknown symbol',
        status: 404,
        detail: `${error.message}; GET /v1/symbols lists the symbols served here`,
      },
      extensions: { symbol: error.symbol },
    };
  }
  if (error instanceof HTTPException) {
    return { problem: { type: 'about:blank', title: error.message || 'HTTP error', status: error.status, detail: error.message } };
  }
  // Anything else is a bug: say so without leaking internals.
  return {
    problem: { type: problemType('internal'), title: 'Internal error', status: 500, detail: 'the request failed unexpectedly' },
    log: 'stack',
  };
}

/** The problem+json response for any thrown value; `url` becomes the `instance` member. */
export function problemResponse(error: unknown, url: string): Response {
  const { problem, extensions, headers, log } = describe(error);
  const instance = new URL(url).pathname;
  if (log === 'line') console.warn(`${problem.status} ${instance}: ${problem.detail}`);
  if (log === 'stack') console.error(error);
  const body = { ...problem, instance, ...extensions } satisfies Problem;
  return new Response(JSON.stringify(body), {
    status: problem.status,
    headers: { ...headers, 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
  });
}

/** The one place errors become responses (`app.onError`). */
export const problemJson = (): ErrorHandler => (error, c) => problemResponse(error, c.req.url);

export const problemNotFound = (): NotFoundHandler => (c) =>
  problemResponse(new NotFoundError(`no route for ${c.req.method} ${new URL(c.req.url).pathname}`), c.req.url);
