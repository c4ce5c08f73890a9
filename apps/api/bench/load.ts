import autocannon from 'autocannon';

export interface RouteResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** responses by HTTP status */
  statuses: Record<number, number>;
  /** connection errors and timeouts */
  errors: number;
  /** mean bytes of a 200 (headers and body) */
  bytesPer200: number;
}

export interface RouteTarget {
  url: string;
  path: string;
  authorization: string;
  connections: number;
  /**
   * Send the newest ETag seen in If-None-Match, as a bot polling every second does: 304s
   * while the data holds still, a 200 (and a new tag) each time it changes.
   */
  conditional: boolean;
}

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/**
 * One route under load, measured in slices: the benchmark visits the routes in turn several
 * times, so a burst of load from elsewhere on a shared machine lands on every route alike
 * instead of on whichever route happened to run then. The first slice starts with a second of
 * warm-up (isolate, caches, JIT), unmeasured.
 */
export class RouteLoad {
  readonly #latencies: number[] = [];
  readonly #statuses: Record<number, number> = {};
  #bytes200 = 0;
  #errors = 0;
  #seconds = 0;
  #tag: string | undefined;
  #warm = false;

  constructor(private readonly target: RouteTarget) {}

  async slice(seconds: number): Promise<void> {
    if (!this.#warm) {
      await this.#measure(1, false);
      this.#warm = true;
    }
    await this.#measure(seconds, true);
    this.#seconds += seconds;
  }

  result(): RouteResult {
    const sorted = Float64Array.from(this.#latencies).sort();
    const ok = this.#statuses[200];
    return {
      requestsPerSecond: this.#latencies.length / this.#seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      statuses: this.#statuses,
      errors: this.#errors,
      bytesPer200: ok ? this.#bytes200 / ok : 0,
    };
  }

  async #measure(seconds: number, record: boolean): Promise<void> {
    const { url, path, authorization, connections, conditional } = this.target;
    const instance = autocannon({
      url,
      connections,
      duration: seconds,
      headers: { authorization },
      requests: [
        {
          method: 'GET',
          path,
          ...(conditional
            ? {
                setupRequest: (req: autocannon.Request) => (this.#tag ? { ...req, headers: { ...req.headers, 'if-none-match': this.#tag } } : req),
                onResponse: (_status: number, _body: string, _context: unknown, headers: Record<string, string | string[]>) => {
                  const etag = Object.entries(headers).find(([name]) => name.toLowerCase() === 'etag')?.[1];
                  if (typeof etag === 'string') this.#tag = etag;
                },
              }
            : {}),
        },
      ],
    });
    if (record) {
      instance.on('response', (_client: unknown, status: number, bytes: number, responseTime: number) => {
        this.#latencies.push(responseTime);
        this.#statuses[status] = (this.#statuses[status] ?? 0) + 1;
        if (status === 200) this.#bytes200 += bytes;
      });
    }
    const result = await instance;
    if (record) this.#errors += result.errors + result.timeouts;
  }
}
