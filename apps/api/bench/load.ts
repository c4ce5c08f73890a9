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

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/**
 * One route under load: a second of warm-up (isolate, caches, JIT), then `seconds` measured.
 * `conditional` sends the newest ETag seen in If-None-Match, as a bot polling every second
 * does: 304s while the data holds still, a 200 (and a new tag) each time it changes.
 */
export async function runRoute(opts: { url: string; path: string; authorization: string; seconds: number; connections: number; conditional: boolean }): Promise<RouteResult> {
  await measure({ ...opts, seconds: 1 });
  return measure(opts);
}

async function measure({ url, path, authorization, seconds, connections, conditional }: { url: string; path: string; authorization: string; seconds: number; connections: number; conditional: boolean }): Promise<RouteResult> {
  let tag: string | undefined;
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let bytes200 = 0;
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
              setupRequest: (req: autocannon.Request) => (tag ? { ...req, headers: { ...req.headers, 'if-none-match': tag } } : req),
              onResponse: (_status: number, _body: string, _context: unknown, headers: Record<string, string | string[]>) => {
                const etag = Object.entries(headers).find(([name]) => name.toLowerCase() === 'etag')?.[1];
                if (typeof etag === 'string') tag = etag;
              },
            }
          : {}),
      },
    ],
  });
  instance.on('response', (_client: unknown, status: number, bytes: number, responseTime: number) => {
    latencies.push(responseTime);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === 200) bytes200 += bytes;
  });
  const result = await instance;
  const sorted = Float64Array.from(latencies).sort();
  return {
    requestsPerSecond: latencies.length / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    statuses,
    errors: result.errors + result.timeouts,
    bytesPer200: statuses[200] ? bytes200 / statuses[200] : 0,
  };
}
