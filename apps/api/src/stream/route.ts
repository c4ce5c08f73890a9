import { createRoute, z } from '@hono/zod-openapi';
import { IntervalSchema } from '../openapi/schemas';
import { hashApiKey, type AuthMode } from '../middleware/auth';
import { problems, KEYED } from '../openapi/responses';
import { symbolList } from '../params';
import type { ApiKeyStore, RateLimiter } from '../ports';
import { router } from '../routes/router';
import type { SymbolLookup } from '../symbol-lookup';
import { RateLimitedError, UnauthorizedError } from '../errors';
import { connectionUrl } from './connection';

export interface StreamBindings {
  /** the stream groups' Durable Object namespace (binding STREAM_HUB) */
  hub: DurableObjectNamespace;
  /** connection attempts per key per minute (STREAM_CONNECTS_PER_MINUTE) */
  connectLimiter: RateLimiter;
}

interface Deps extends StreamBindings {
  apiKeys: ApiKeyStore;
  symbols: SymbolLookup;
  auth: AuthMode;
}

const connectRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['stream'],
  summary: 'Live updates pushed as they happen: WebSocket, or Server-Sent Events',
  description: [
    'With `Upgrade: websocket` a WebSocket, otherwise Server-Sent Events (`curl -N`, `EventSource`). Each message is JSON: ',
    '`{"type":"update","id","symbol","interval","ts","ageMs","source", "bar"?, "final"?, "features"?, "signal"?}` with only the parts that changed ',
    '(all of them in the first message of a connection: `snapshot`), or `{"type":"heartbeat","ts"}` after 5 s without one. ',
    'Over SSE the update `id` is the event id, so `EventSource` resumes by itself (`Last-Event-ID`); a WebSocket client resumes with `?lastEventId=`. ',
    'Updates of the last 2 minutes are replayed exactly; an older id gets a snapshot marked `resync`. ',
    'The key goes in `Authorization: Bearer` or, where a client cannot set headers (browsers open WebSockets and EventSources without them), in `?access_token=`. ',
    'Connection attempts are limited per key (`STREAM_CONNECTS_PER_MINUTE`), and so are open streams per key and interval (`STREAM_MAX_PER_KEY`, 429 `too_many_streams`).',
  ].join(''),
  request: {
    query: z.object({
      symbols: symbolList.optional().openapi({ type: 'string', description: 'comma-separated symbols or broker aliases; every symbol when absent', example: 'EURUSD,XAUUSD' }),
      interval: IntervalSchema.default('1m').openapi({ description: 'bar interval of the bars, features and signals pushed', example: '1m' }),
      access_token: z.string().min(1).max(200).optional().openapi({ description: 'the API key, for clients that cannot send an Authorization header (RFC 6750 §2.3)' }),
      lastEventId: z.string().regex(/^\d{1,16}$/, 'an update id').optional().openapi({ description: 'resume after this update (WebSocket; SSE clients send Last-Event-ID)' }),
    }),
  },
  responses: {
    101: { description: 'Switching Protocols: the WebSocket (with `Upgrade: websocket`); JSON text messages' },
    200: { description: 'the event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...problems(...KEYED, 'invalid_request', 'unknown_symbol', 'too_many_streams'),
  },
});

/**
 * `GET /v1/stream`: authenticates (header or query token), limits connection attempts,
 * resolves the symbols, then hands the connection to the interval's stream group.
 */
export const streamRoute = (deps: Deps) =>
  router().openapi(connectRoute, async (c) => {
    const { symbols, interval, access_token, lastEventId } = c.req.valid('query');
    const caller = await callerOf(deps, c.req.header('authorization'), access_token, c.req.header('cf-connecting-ip'));
    const decision = await deps.connectLimiter.limit(caller);
    if (!decision.success) throw new RateLimitedError(Math.max(1, Math.ceil((decision.reset - Date.now()) / 1000)));

    const registry = await deps.symbols.registry();
    const canonical = symbols ? [...new Set(symbols.map((s) => registry.require(s).symbol))] : registry.specs.map((s) => s.symbol);
    const resumeFrom = lastEventId ?? c.req.header('last-event-id');
    const url = connectionUrl({ interval, symbols: canonical, caller, lastEventId: resumeFrom && /^\d{1,16}$/.test(resumeFrom) ? Number(resumeFrom) : null });
    const hub = deps.hub.get(deps.hub.idFromName(interval));
    const upgrade = c.req.header('upgrade');
    // The group's own answer (101 with the socket, the event stream, or a 429 problem) goes out
    // as it is; the typed handler only knows JSON bodies, hence the cast.
    return (await hub.fetch(url, { headers: upgrade ? { upgrade } : {} })) as unknown as never;
  });

/** `key:{sha256}` for a valid key, `anon:{address}` when auth is optional and none is sent. */
async function callerOf(deps: Deps, header: string | undefined, token: string | undefined, address: string | undefined): Promise<string> {
  let key = token;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new UnauthorizedError('the Authorization header must be "Bearer <key>"');
    key = match[1];
  }
  if (!key) {
    if (deps.auth === 'required') throw new UnauthorizedError('send an API key as "Authorization: Bearer <key>" or, from a browser, as ?access_token=<key>');
    return `anon:${address ?? 'local'}`;
  }
  const keyHash = await hashApiKey(key);
  const record = await deps.apiKeys.find(keyHash);
  if (!record || record.revoked) throw new UnauthorizedError('unknown or revoked API key');
  return `key:${keyHash}`;
}
