import { fileURLToPath } from 'node:url';

export interface ApiWorkerOptions {
  /** the Upstash REST endpoint the Worker reads (the bridge, in tests) */
  bridgeUrl: string;
  bridgeToken: string;
  /** REDIS_PREFIX: the keys the collector wrote for this test */
  prefix: string;
  /** API_AUTH; `required` (as deployed) unless told otherwise */
  apiAuth?: 'required' | 'optional';
  /** more plain-text bindings (STREAM_MAX_PER_KEY, …), over wrangler.toml's [vars] */
  vars?: Record<string, string>;
}

/** One console call of the Worker (console.warn → `warn`), as workerd reported it. */
export interface WorkerLog {
  level: string;
  message: string;
}

export interface RunningApiWorker {
  /** http://127.0.0.1:<port>, served by workerd */
  url: string;
  /** a real HTTP request to the Worker, `path` relative to `url` */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** what the Worker has logged so far, oldest first */
  readonly logs: readonly WorkerLog[];
  /** stops workerd; no process is left behind */
  stop(): Promise<void>;
}

export class ApiWorkerStartError extends Error {
  readonly code = 'api_worker_start_failed';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiWorkerStartError';
  }
}

const WRANGLER_TOML = fileURLToPath(new URL('../../../wrangler.toml', import.meta.url));
const START_TIMEOUT_MS = 20_000;

/**
 * Runs the API Worker as deployed (the root wrangler.toml, so `apps/api/src/worker.ts` and its
 * compatibility date) in workerd via wrangler's `unstable_startWorker`, with the bindings
 * pointed at the given REST endpoint. Local only, on 127.0.0.1.
 */
export async function startApiWorker(opts: ApiWorkerOptions): Promise<RunningApiWorker> {
  // Loopback only. Miniflare downloads the Request.cf object from workers.cloudflare.com
  // unless told not to; metrics are off too. Login is only ever attempted for remote dev,
  // which stays off below.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
  process.env.WRANGLER_SEND_METRICS = 'false';
  // wrangler is a 15 MB bundle: load it here, not in every test that imports testkit.
  const { unstable_startWorker } = await import('wrangler');

  const logs: WorkerLog[] = [];
  const plain = (value: string) => ({ type: 'plain_text', value });
  const worker = await unstable_startWorker({
    config: WRANGLER_TOML,
    // These win over wrangler.toml [vars] and any .dev.vars the demo left behind. The token as
    // a secret: wrangler then prints "(hidden)" in its table of bindings.
    bindings: {
      UPSTASH_REDIS_REST_URL: plain(opts.bridgeUrl),
      UPSTASH_REDIS_REST_TOKEN: { type: 'secret_text', value: opts.bridgeToken },
      REDIS_PREFIX: plain(opts.prefix),
      API_AUTH: plain(opts.apiAuth ?? 'required'),
      ...Object.fromEntries(Object.entries(opts.vars ?? {}).map(([name, value]) => [name, plain(value)])),
    },
    dev: {
      remote: false,
      // Port 0: wrangler.toml's [dev] port 8787 may be in use (the demo); any free port will do.
      server: { hostname: '127.0.0.1', port: 0 },
      inspector: false,
      watch: false,
      persist: false,
      // Kept for the test to inspect, and still shown, one line per call.
      structuredLogsHandler: (log: WorkerLog) => {
        logs.push({ level: log.level, message: log.message });
        process.stderr.write(`[api-worker] ${log.level}: ${log.message}\n`);
      },
    },
  });

  const serving = async () => {
    await worker.ready;
    const origin = (await worker.url).origin;
    // `ready` and `url` resolve once wrangler's proxy listens; the first request then waits for
    // workerd to load the Worker. One answer (a 404: no route, no Redis) means it serves.
    await (await fetch(origin)).arrayBuffer();
    return origin;
  };
  let url: string;
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ApiWorkerStartError(`the Worker did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    });
    url = await Promise.race([serving(), late]);
  } catch (error) {
    await worker.dispose();
    throw error instanceof ApiWorkerStartError ? error : new ApiWorkerStartError('the Worker failed to start', { cause: error });
  } finally {
    clearTimeout(timer);
  }

  return {
    url,
    fetch: (path, init) => fetch(new URL(path, url), init),
    logs,
    stop: () => worker.dispose(),
  };
}
