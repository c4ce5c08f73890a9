import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { BridgeError, methodNotAllowed, unauthorized } from './errors';
import { parseBatch, parseSingle, toEntry, toJson } from './protocol';
import { RedisExecutor } from './redis';

export interface BridgeOptions {
  port: number;
  token: string;
  redisUrl: string;
  /** loopback by default: the bridge is for dev and tests, never exposed */
  host?: string;
  /** where the bridge says that Redis went away or came back; stderr by default */
  log?: (line: string) => void;
}

export interface RunningBridge {
  /** base URL for `UPSTASH_REDIS_REST_URL` */
  url: string;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new BridgeError('bad_request', 413, 'ERR request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function authorized(header: string | undefined, expected: Buffer): boolean {
  const presented = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/**
 * Which endpoint a path names. Only the last segment matters, so a base URL with a path
 * prefix (`http://host/redis`) is served as well as a bare one.
 */
function endpoint(url: string | undefined): 'single' | 'pipeline' | 'multi-exec' {
  const path = new URL(url ?? '/', 'http://bridge').pathname.replace(/\/+$/, '');
  if (path.endsWith('/pipeline')) return 'pipeline';
  if (path.endsWith('/multi-exec')) return 'multi-exec';
  return 'single';
}

/**
 * Starts a local server speaking the Upstash REST protocol in front of a real redis-server
 * (the role Upstash's serverless-redis-http plays), so `@upstash/redis` and `wrangler dev`
 * run against real Redis on loopback.
 */
export async function startBridge(options: BridgeOptions): Promise<RunningBridge> {
  const log = options.log ?? ((line: string) => process.stderr.write(`bridge: ${line}\n`));
  const redis = await RedisExecutor.connect(options.redisUrl, log);
  const expected = Buffer.from(options.token);
  // Read-your-writes: the client echoes the last token it saw; one Redis means every reply
  // is already consistent, so the token only has to change per response.
  let syncToken = 0;

  async function handle(req: IncomingMessage): Promise<unknown> {
    if (!authorized(req.headers.authorization, expected)) throw unauthorized();
    if (req.method !== 'POST') throw methodNotAllowed();
    const base64 = req.headers['upstash-encoding']?.toString().toLowerCase() === 'base64';
    const body = await readBody(req);
    switch (endpoint(req.url)) {
      case 'single':
        return { result: toJson(await redis.single(parseSingle(body)), base64) };
      case 'pipeline':
        return (await redis.pipeline(parseBatch(body))).map((r) => toEntry(r, base64));
      case 'multi-exec':
        return (await redis.multiExec(parseBatch(body))).map((r) => toEntry(r, base64));
    }
  }

  function send(res: ServerResponse, status: number, payload: unknown): void {
    res.writeHead(status, {
      'content-type': 'application/json',
      'upstash-sync-token': String(++syncToken),
    });
    res.end(JSON.stringify(payload));
  }

  const server = createServer((req, res) => {
    handle(req).then(
      (payload) => send(res, 200, payload),
      (error: unknown) => {
        if (error instanceof BridgeError) send(res, error.status, { error: error.message });
        else send(res, 500, { error: `ERR ${error instanceof Error ? error.message : String(error)}` });
      },
    );
  });

  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, resolve);
    });
  } catch (error) {
    redis.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    token: options.token,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.close();
    },
  };
}
