/**
 * Typed errors the routes and adapters throw; `app.onError` turns each into one
 * application/problem+json response (RFC 9457). `status` and `title` belong to the class,
 * `detail` to the occurrence.
 */
export abstract class ApiError extends Error {
  abstract readonly code: string;
  abstract readonly status: 400 | 401 | 404 | 429 | 500 | 503;
  abstract readonly title: string;
  /** extra response headers (WWW-Authenticate, Retry-After) */
  headers: Record<string, string> = {};
  /** extension members of the problem object */
  extensions: Record<string, unknown> = {};
}

export class ValidationError extends ApiError {
  readonly code = 'invalid_request';
  readonly status = 400;
  readonly title = 'Invalid request parameters';
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.name = 'ValidationError';
    this.extensions = { issues };
  }
}

export class NotFoundError extends ApiError {
  readonly code = 'not_found';
  readonly status = 404;
  readonly title = 'Not found';
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

export class UnauthorizedError extends ApiError {
  readonly code = 'unauthorized';
  readonly status = 401;
  readonly title = 'Missing or invalid API key';
  constructor(message: string) {
    super(message);
    this.name = 'UnauthorizedError';
    this.headers = { 'www-authenticate': 'Bearer realm="marketpipe"' };
  }
}

export class RateLimitedError extends ApiError {
  readonly code = 'rate_limited';
  readonly status = 429;
  readonly title = 'Too many requests';
  constructor(retryAfterSeconds: number) {
    super(`rate limit reached; retry in ${retryAfterSeconds} s`);
    this.name = 'RateLimitedError';
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}

export class StaleDataError extends ApiError {
  readonly code = 'stale_data';
  readonly status = 503;
  readonly title = 'Data is stale';
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
  readonly status = 503;
  readonly title = 'Market data store unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamError';
    this.headers = { 'retry-after': '5' };
  }
}

export class ConfigError extends ApiError {
  readonly code = 'config_invalid';
  readonly status = 500;
  readonly title = 'Worker misconfigured';
  constructor(readonly issues: string[]) {
    super(`invalid Worker configuration: ${issues.join('; ')}`);
    this.name = 'ConfigError';
  }
}
