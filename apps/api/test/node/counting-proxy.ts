import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One HTTP request the Worker made to the REST endpoint: a round trip, and the Redis commands it carried. */
export interface RoundTrip {
  path: string;
  /** the command names of a /pipeline body (`["HGETALL", "EVALSHA"]`) */
  commands: string[];
  /** the size of the reply's body */
  replyBytes: number;
}

export interface CountingProxy {
  url: string;
  /** every round trip so far, oldest first */
  readonly trips: RoundTrip[];
  close(): Promise<void>;
}

const bodyOf = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/**
 * An HTTP proxy in front of the bridge that records each request the Worker sends to Redis's
 * REST endpoint: the round trips a route costs are then counted on the wire, outside workerd.
 */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const trips: RoundTrip[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const body = await bodyOf(req);
      const path = req.url ?? '/';
      let commands: string[] = [];
      try {
        commands = (JSON.parse(body.toString('utf8')) as unknown[][]).map((c) => String(c[0]).toUpperCase());
      } catch {
        // not a pipeline body; the trip still counts
      }
      const upstream = await fetch(new URL(path, target), {
        method: req.method,
        headers: Object.fromEntries(['authorization', 'content-type', 'upstash-encoding'].flatMap((h) => (req.headers[h] ? [[h, String(req.headers[h])]] : []))),
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
      });
      const reply = Buffer.from(await upstream.arrayBuffer());
      trips.push({ path, commands, replyBytes: reply.length });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(reply);
    })().catch((error: unknown) => {
      res.writeHead(502).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    trips,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
