import { z } from '@hono/zod-openapi';
import { PROBLEMS, type ProblemCode } from '../errors';
import { ProblemSchema } from './schemas';

/** Response pieces shared by the routes' OpenAPI definitions. */

const header = (description: string, type: 'string' | 'integer' = 'string') => ({ description, schema: { type } });

const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': header('requests allowed per minute for this key', 'integer'),
  'RateLimit-Remaining': header('requests left in the current window', 'integer'),
  'RateLimit-Reset': header('seconds until the window resets', 'integer'),
};

const RETRY_AFTER = { 'Retry-After': header('seconds to wait before retrying', 'integer') };

/** Headers a problem of this status carries besides Cache-Control: no-store. */
const PROBLEM_HEADERS: Partial<Record<number, Record<string, ReturnType<typeof header>>>> = {
  401: { 'WWW-Authenticate': header('Bearer realm="marketpipe"') },
  429: { ...RETRY_AFTER, ...RATE_LIMIT_HEADERS },
  503: RETRY_AFTER,
};

/** Failures every route can answer with. */
export const ALWAYS: ProblemCode[] = ['internal', 'config_invalid', 'upstream_unavailable'];
/** …and every route behind the API key and the rate limiter. */
export const KEYED: ProblemCode[] = [...ALWAYS, 'unauthorized', 'rate_limited'];

/** The problem+json responses for these codes, one entry per status listing its codes. */
export function problems(...codes: ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set(codes)) byStatus.set(PROBLEMS[code].status, [...(byStatus.get(PROBLEMS[code].status) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      {
        description: list.map((code) => `\`${code}\`: ${PROBLEMS[code].when}`).join('; '),
        headers: { 'Cache-Control': header('no-store'), ...PROBLEM_HEADERS[status] },
        content: { 'application/problem+json': { schema: ProblemSchema } },
      },
    ]),
  );
}

/** A 200 with a JSON body; `keyed` routes also carry the rate-limit headers, `versioned` ones an ETag. */
export function ok<T extends z.ZodType>(schema: T, description: string, cacheControl: string, { keyed = true, versioned = false } = {}) {
  return {
    description,
    headers: {
      'Cache-Control': header(cacheControl),
      ...(versioned ? { ETag: header('weak validator of the data (not of ageMs); send it back in If-None-Match') } : {}),
      ...(keyed ? RATE_LIMIT_HEADERS : {}),
    },
    content: { 'application/json': { schema } },
  };
}

export const NOT_MODIFIED = {
  description: 'Not Modified: If-None-Match names the current ETag; no body',
  headers: { ETag: header('the current tag'), 'Cache-Control': header('as the 200'), ...RATE_LIMIT_HEADERS },
};

/** The conditional-request header of the routes that send an ETag. */
export const ConditionalHeaders = z.object({
  'If-None-Match': z.string().optional().openapi({ description: 'an ETag from an earlier response: 304 without a body while it is current' }),
});
