import autocannon from 'autocannon';
import { prng } from '@marketpipe/testkit';

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

/** What one route's measured responses add up to over `seconds`. */
class Tally {
  readonly latencies: number[] = [];
  readonly statuses: Record<number, number> = {};
  bytes200 = 0;
  errors = 0;

  record(status: number, bytes: number, ms: number): void {
    this.latencies.push(ms);
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    if (status === 200) this.bytes200 += bytes;
  }

  result(seconds: number): RouteResult {
    const sorted = Float64Array.from(this.latencies).sort();
    const ok = this.statuses[200];
    return {
      requestsPerSecond: this.latencies.length / seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      statuses: this.statuses,
      errors: this.errors,
      bytesPer200: ok ? this.bytes200 / ok : 0,
    };
  }
}

type Target = Omit<RouteTarget, 'url' | 'authorization' | 'connections'>;

/**
 * One autocannon request of a route: with `conditional`, the newest ETag seen goes out in
 * If-None-Match, as a bot polling every second sends it: 304s while the data holds still, a
 * 200 (and a new tag) each time it changes. `answered` runs as its response completes.
 */
function request(target: Target, tag: { value?: string }, answered?: () => void): autocannon.Request {
  const onResponse = (_status: number, _body: string, _context: unknown, headers: Record<string, string | string[]>) => {
    answered?.();
    if (!target.conditional) return;
    const etag = Object.entries(headers).find(([name]) => name.toLowerCase() === 'etag')?.[1];
    if (typeof etag === 'string') tag.value = etag;
  };
  return {
    method: 'GET',
    path: target.path,
    ...(target.conditional ? { setupRequest: (req: autocannon.Request) => (tag.value ? { ...req, headers: { ...req.headers, 'if-none-match': tag.value } } : req) } : {}),
    ...(target.conditional || answered ? { onResponse } : {}),
  };
}

/**
 * One route under load, measured in slices: the benchmark visits the routes in turn several
 * times, so a burst of load from elsewhere on a shared machine lands on every route alike
 * instead of on whichever route happened to run then. The first slice starts with a second of
 * warm-up (isolate, caches, JIT), unmeasured.
 */
export class RouteLoad {
  readonly #tally = new Tally();
  readonly #tag: { value?: string } = {};
  #seconds = 0;
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
    return this.#tally.result(this.#seconds);
  }

  async #measure(seconds: number, record: boolean): Promise<void> {
    const { url, authorization, connections } = this.target;
    const instance = autocannon({ url, connections, duration: seconds, headers: { authorization }, requests: [request(this.target, this.#tag)] });
    if (record) instance.on('response', (_client: unknown, status: number, bytes: number, ms: number) => this.#tally.record(status, bytes, ms));
    const result = await instance;
    if (record) this.#tally.errors += result.errors + result.timeouts;
  }
}

/**
 * The order a connection sends the routes in: several shuffles one after another, so each route
 * follows every other about equally often (a route sent right after a large answer, say, would
 * otherwise always pay for its garbage). Seeded: every run sends the same sequence.
 */
function visitingOrder(routes: number, shuffles = 24): number[] {
  const random = prng(0x9e3779b9);
  const order: number[] = [];
  for (let k = 0; k < shuffles; k++) {
    const round = Array.from({ length: routes }, (_, i) => i);
    for (let i = routes - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    order.push(...round);
  }
  return order;
}

/**
 * Every route in one autocannon run, each connection sending them in turn, request after
 * request: what a route costs over another is then measured under the same load at the same
 * moments (the benchmark's own collector burns the CPU in bursts once a second, which slices
 * of a few seconds each catch unevenly). A response is the route's whose `onResponse` ran
 * just before it: autocannon calls that, then emits the response, in one step.
 */
export class SideBySideLoad {
  readonly #tallies: Tally[];

  constructor(private readonly opts: { url: string; authorization: string; connections: number; targets: readonly Target[] }) {
    this.#tallies = opts.targets.map(() => new Tally());
  }

  /** Each route's result, and the run's connection errors and timeouts (a route cannot be told for those). */
  async run(seconds: number): Promise<{ routes: RouteResult[]; errors: number }> {
    await this.#measure(1, false);
    const errors = await this.#measure(seconds, true);
    return { routes: this.#tallies.map((t) => t.result(seconds)), errors };
  }

  async #measure(seconds: number, record: boolean): Promise<number> {
    const { url, authorization, connections, targets } = this.opts;
    let answered = -1;
    const tags = targets.map(() => ({}));
    const requests = visitingOrder(targets.length).map((i) => request(targets[i]!, tags[i]!, () => (answered = i)));
    const instance = autocannon({ url, connections, duration: seconds, headers: { authorization }, requests });
    if (record) instance.on('response', (_client: unknown, status: number, bytes: number, ms: number) => this.#tallies[answered]?.record(status, bytes, ms));
    const result = await instance;
    return result.errors + result.timeouts;
  }
}
