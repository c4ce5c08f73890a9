import { createServer, type Server } from 'node:http';
import type { CollectorMetrics } from './metrics';

export class PortInUseError extends Error {
  readonly code = 'port_in_use';
  constructor(
    readonly port: number,
    options?: { cause?: unknown },
  ) {
    super(`COLLECTOR_PORT ${port} is already in use on 127.0.0.1 (another collector running?); set COLLECTOR_PORT to a free port or 0`, options);
    this.name = 'PortInUseError';
  }
}

export interface HealthSource {
  /** JSON-able status; `ok: false` makes /health answer 503 */
  health(): { ok: boolean } & Record<string, unknown>;
  /** ready, or the reasons it is not (each a sentence an operator can act on) */
  ready(): { ready: boolean; reasons: string[] };
}

/** /metrics (Prometheus), /health and /ready (JSON) on loopback only. */
export async function startHealthServer(port: number, metrics: CollectorMetrics, source: HealthSource): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
      return;
    }
    if (path === '/health') {
      const body = source.health();
      res.writeHead(body.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (path === '/ready') {
      const body = source.ready();
      res.writeHead(body.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, { cause: err }) : err),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}
