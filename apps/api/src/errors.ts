/**
 * Every problem type the API answers with (RFC 9457): the body's `code`, its `type`
 * (`urn:marketpipe:problem:{code}`), `status` and `title`. One table, read by the errors below,
 * by the problem handler and by the OpenAPI document, so they cannot drift apart.
 */
export const PROBLEMS = {
  invalid_request: { status: 400, title: 'Invalid request parameters', when: 'a path or query parameter is malformed or out of range; `issues` names each one' },
  unauthorized: { status: 401, title: 'Missing or invalid API key', when: 'no `Authorization: Bearer <key>` where one is required, or an unknown or revoked key' },
  unknown_symbol: { status: 404, title: 'Unknown symbol', when: 'neither a collected symbol nor a broker alias of one; `symbol` echoes it' },
  not_found: { status: 404, title: 'Not found', when: 'no such route, or no features or signal computed for the symbol yet' },
  interval_unavailable: {
    status: 404,
    title: 'Interval not computed',
    when: "features and signals exist only for the collector's `FEATURE_INTERVALS`; `available` lists the intervals computed now",
  },
  method_not_allowed: { status: 405, title: 'Method not allowed', when: 'a known path with a method it does not serve; `Allow` lists those it does' },
  too_many_streams: { status: 429, title: 'Too many open streams', when: 'the key (or anonymous address) already holds `STREAM_MAX_PER_KEY` streams of the interval; close one first' },
  rate_limited: { status: 429, title: 'Too many requests', when: "the key's (or anonymous address's) budget per minute is spent; see `Retry-After`" },
  internal: { status: 500, title: 'Internal error', when: 'a bug; the detail says nothing more' },
  config_invalid: { status: 500, title: 'Worker misconfigured', when: 'a Worker binding is missing or malformed; the detail names it' },
  stale_data: { status: 503, title: 'Data is stale', when: 'the signal is older than `STALE_AFTER_MS` while its market is open; add `allowStale=true`' },
  upstream_unavailable: { status: 503, title: 'Market data store unavailable', when: 'Redis (over REST) failed or did not answer; the detail names the call and the cause' },
} as const satisfies Record<string, { status: number; title: string; when: string }>;

export type ProblemCode = keyof typeof PROBLEMS;
export type ProblemStatus = (typeof PROBLEMS)[ProblemCode]['status'];

/**
 * Typed errors the routes and adapters throw; `app.onError` turns each into one
 * application/problem+json response. `status` and `title` belong to the code, `detail` (the
 * message) to the occurrence.
 */
export abstract class ApiError extends Error {
  abstract readonly code: ProblemCode;
  /** extra response headers (WWW-Authenticate, Retry-After, Allow) */
  headers: Record<string, string> = {};
  /** extension members of the problem object */
  extensions: Record<string, unknown> = {};

  get status(): ProblemStatus {
    return PROBLEMS[this.code].status;
  }

  get title(): string {
    return PROBLEMS[this.code].title;
  }
}

export class ValidationError extends ApiError {
  readonly code = 'invalid_request';
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.name = 'ValidationError';
    this.extensions = { issues };
  }
}

export class NotFoundError extends ApiError {
  readonly code = 'not_found';
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Features or signals asked for an interval the collector does not compute (not in its FEATURE_INTERVALS). */
export class IntervalUnavailableError extends ApiError {
  readonly code = 'interval_unavailable';
  constructor(what: 'features' | 'signals', interval: string, available: readonly string[]) {
    super(`no ${what} are computed for interval ${interval}; available: ${available.join(', ')} (the collector's FEATURE_INTERVALS)`);
    this.name = 'IntervalUnavailableError';
    this.extensions = { interval, available: [...available] };
  }
}

export class MethodNotAllowedError extends ApiError {
  readonly code = 'method_not_allowed';
  constructor(method: string, allowed: readonly string[]) {
    super(`${method} is not served here; use ${allowed.join(', ')}`);
    this.name = 'MethodNotAllowedError';
    this.headers = { allow: allowed.join(', ') };
  }
}

export class UnauthorizedError extends ApiError {
  readonly code = 'unauthorized';
  constructor(message: string) {
    super(message);
    this.name = 'UnauthorizedError';
    this.headers = { 'www-authenticate': 'Bearer realm="marketpipe"' };
  }
}

export class RateLimitedError extends ApiError {
  readonly code = 'rate_limited';
  constructor(retryAfterSeconds: number) {
    super(`rate limit reached; retry in ${retryAfterSeconds} s`);
    this.name = 'RateLimitedError';
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}

export class StaleDataError extends ApiError {
  readonly code = 'stale_data';
  constructor(message: string) {
    super(message);
    this.name = 'StaleDataError';
    this.headers = { 'retry-after': '1' };
  }
}

/**
 * Redis (over REST) failed; `message` names the call and the cause ("rate limit check failed:
 * redis unreachable: …"). Retry-After: long enough not to hammer a store on its way back,
 * short enough that clients resume within seconds of it.
 */
export class UpstreamError extends ApiError {
  readonly code = 'upstream_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamError';
    this.headers = { 'retry-after': '5' };
  }
}

export class ConfigError extends ApiError {
  readonly code = 'config_invalid';
  constructor(readonly issues: string[]) {
    super(`invalid Worker configuration: ${issues.join('; ')}`);
    this.name = 'ConfigError';
  }
}
