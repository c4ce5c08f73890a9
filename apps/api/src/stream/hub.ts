import { DurableObject } from 'cloudflare:workers';
import { INTERVAL_MS, redisKeys, type Bar, type Interval } from '@marketpipe/core';
import { loadApiConfig, type WorkerEnv } from '../env';
import { problemResponse } from '../middleware/problem';
import { BinaryPipeline } from '../upstash/binary-pipeline';
import { UpstashMarketDataReader } from '../upstash/market-data';
import { connectionFromUrl, type Connection } from './connection';
import { TooManyStreamsError } from './errors';
import { HEARTBEAT_AFTER_MS, snapshotOf, sseFrame, updateFor, type LiveSymbol, type StreamMessage, type UpdateMessage } from './messages';
import { ReplayBuffer } from './replay-buffer';

/** One read of Redis per stream group (interval) this often, while anybody listens. */
export const TICK_MS = 1_000;
/** At most this many skipped final bars are sent after a jump (a long outage is REST's job). */
const MAX_CATCH_UP_BARS = 500;
/** An SSE client this many messages behind is too slow to keep: it is cut off and may resume. */
const SSE_MAX_BACKLOG = 1_000;

interface SseClient {
  writer: WritableStreamDefaultWriter<Uint8Array>;
  caller: string;
  symbols: ReadonlySet<string>;
  lastSentAt: number;
}

const encoder = new TextEncoder();

/**
 * One stream group: every listener of one interval (the Worker names the object by the
 * interval). Once a second, while anybody listens, it reads every subscribed symbol's live
 * state in one Redis round trip and pushes what changed to each listener of that symbol; with
 * nobody listening the alarm is not renewed, so it reads nothing. WebSockets use the
 * hibernation API (the object may be evicted between listeners' messages and the sockets
 * survive); SSE responses are plain streams held in memory.
 */
export class StreamHub extends DurableObject<WorkerEnv> {
  readonly #reader: UpstashMarketDataReader;
  readonly #maxPerCaller: number;
  readonly #latest = new Map<string, LiveSymbol>();
  readonly #replay = new ReplayBuffer(Date.now());
  readonly #sse = new Set<SseClient>();
  readonly #lastSentAt = new WeakMap<WebSocket, number>();
  #interval: Interval | undefined;
  /** when the collector last wrote any subscribed symbol: the phase of its once-a-second writes */
  #newestWrite: number | null = null;
  #failing = false;

  constructor(ctx: DurableObjectState, env: WorkerEnv) {
    super(ctx, env);
    const config = loadApiConfig(env);
    this.#reader = new UpstashMarketDataReader(new BinaryPipeline(config.UPSTASH_REDIS_REST_URL, config.UPSTASH_REDIS_REST_TOKEN), redisKeys(config.REDIS_PREFIX));
    this.#maxPerCaller = config.STREAM_MAX_PER_KEY;
    // Answered by the runtime without waking the object: keep-alives cost nothing.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
  }

  /** A connection the Worker has authenticated, rate-limited and validated (./route.ts). */
  override async fetch(request: Request): Promise<Response> {
    const connection = connectionFromUrl(new URL(request.url));
    this.#interval = connection.interval;
    const open = this.ctx.getWebSockets(connection.caller).length + [...this.#sse].filter((c) => c.caller === connection.caller).length;
    if (open >= this.#maxPerCaller) return problemResponse(new TooManyStreamsError(this.#maxPerCaller, connection.interval), request.url);

    const first = this.#firstMessages(connection);
    const response = request.headers.get('upgrade')?.toLowerCase() === 'websocket' ? this.#acceptWebSocket(connection, first) : this.#openSse(connection, first);
    // The first listener starts the clock at once; later ones join it.
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
    return response;
  }

  override async alarm(): Promise<void> {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0 && this.#sse.size === 0) return; // nobody listens: stop reading
    await this.ctx.storage.setAlarm(nextTickAt(Date.now(), this.#newestWrite));
    await this.#tick(sockets);
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    // The stream is one-way; anything else a client sends is answered so it knows it is heard.
    if (typeof message === 'string' && message.includes('"ping"')) ws.send(JSON.stringify({ type: 'pong', ts: Date.now() }));
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    // Complete the closing handshake, or the client waits for it until it times out. 1005 (no
    // code given) and the other reserved codes cannot be sent back: answer those with 1000.
    try {
      ws.close(code === 1000 || (code >= 3000 && code < 5000) ? code : 1000, 'closed');
    } catch {
      // already closed by the runtime
    }
  }

  async #tick(sockets: WebSocket[]): Promise<void> {
    const listeners = sockets.map((ws) => ({ ws, ...attachmentOf(ws) }));
    const interval = this.#interval ?? listeners[0]?.interval;
    if (!interval) return;
    const symbols = new Set<string>();
    for (const l of listeners) for (const s of l.symbols) symbols.add(s);
    for (const c of this.#sse) for (const s of c.symbols) symbols.add(s);

    let rows: LiveSymbol[];
    try {
      rows = await this.#reader.live([...symbols], interval);
      if (this.#failing) console.warn(`stream ${interval}: reading Redis works again`);
      this.#failing = false;
    } catch (error) {
      // Listeners keep their connection; heartbeats (below, next ticks) tell them it is alive.
      if (!this.#failing) console.warn(`stream ${interval}: ${error instanceof Error ? error.message : String(error)}`);
      this.#failing = true;
      rows = [];
    }
    const between = await this.#finalsBetween(rows, interval);
    const now = Date.now();
    const updates: UpdateMessage[] = [];
    for (const row of rows) {
      if (row.updatedAt !== null && row.updatedAt > (this.#newestWrite ?? 0)) this.#newestWrite = row.updatedAt;
      const update = updateFor(this.#latest.get(row.symbol), row, { id: this.#replay.nextId(now), interval, now, finalsBetween: between.get(row.symbol) });
      this.#latest.set(row.symbol, row);
      if (!update) continue;
      this.#replay.push(update, now);
      updates.push(update);
    }
    const texts = updates.map((u) => ({ symbol: u.symbol, json: JSON.stringify(u), sse: encoder.encode(sseFrame(u)) }));
    const heartbeat: StreamMessage = { type: 'heartbeat', ts: now };

    for (const { ws, symbols: subscribed } of listeners) {
      const mine = texts.filter((t) => subscribed.includes(t.symbol));
      for (const t of mine) ws.send(t.json);
      const last = this.#lastSentAt.get(ws);
      // A socket not seen since the object woke starts its quiet period now.
      if (mine.length > 0 || last === undefined) this.#lastSentAt.set(ws, now);
      else if (now - last >= HEARTBEAT_AFTER_MS) {
        ws.send(JSON.stringify(heartbeat));
        this.#lastSentAt.set(ws, now);
      }
    }
    for (const client of this.#sse) {
      const mine = texts.filter((t) => client.symbols.has(t.symbol));
      for (const t of mine) this.#write(client, t.sse);
      if (mine.length > 0) client.lastSentAt = now;
      else if (now - client.lastSentAt >= HEARTBEAT_AFTER_MS) {
        this.#write(client, encoder.encode(sseFrame(heartbeat)));
        client.lastSentAt = now;
      }
    }
  }

  /**
   * Bars that became final between the previous read and this one besides the newest (two
   * collector writes between reads, or a catch-up after an outage): the one read per second
   * fetches only the newest final bar, so a jump costs one more read, for that symbol alone.
   */
  async #finalsBetween(rows: LiveSymbol[], interval: Interval): Promise<Map<string, Bar[]>> {
    const step = INTERVAL_MS[interval];
    const gaps = rows.flatMap((row) => {
      const before = this.#latest.get(row.symbol)?.final?.ts;
      return before !== undefined && row.final && row.final.ts - before > step ? [{ symbol: row.symbol, after: before, upTo: row.final.ts }] : [];
    });
    const found = new Map<string, Bar[]>();
    await Promise.all(
      gaps.map(async ({ symbol, after, upTo }) => {
        const limit = Math.min(MAX_CATCH_UP_BARS, Math.ceil((upTo - after) / step) + 1);
        try {
          const { bars } = await this.#reader.bars(symbol, interval, limit);
          found.set(symbol, bars.filter((b) => b.final && b.ts > after && b.ts < upTo));
        } catch {
          // Not fatal: the newest final bar still goes out; REST /v1/bars has the others.
        }
      }),
    );
    return found;
  }

  /** A resuming client gets what it missed, or a fresh snapshot when the gap is not held here. */
  #firstMessages({ symbols, lastEventId, interval }: Connection): UpdateMessage[] {
    const now = Date.now();
    if (lastEventId !== null) {
      const missed = this.#replay.since(lastEventId, new Set(symbols));
      if (missed) return missed;
    }
    return symbols.flatMap((symbol) => {
      const live = this.#latest.get(symbol);
      return live ? [snapshotOf(live, { id: this.#replay.nextId(now), interval, now, resync: lastEventId !== null })] : [];
    });
  }

  #acceptWebSocket(connection: Connection, first: UpdateMessage[]): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [connection.caller]);
    server.serializeAttachment({ caller: connection.caller, symbols: connection.symbols, interval: connection.interval } satisfies Attachment);
    for (const message of first) server.send(JSON.stringify(message));
    this.#lastSentAt.set(server, Date.now());
    return new Response(null, { status: 101, webSocket: client });
  }

  #openSse(connection: Connection, first: UpdateMessage[]): Response {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const client: SseClient = { writer: writable.getWriter(), caller: connection.caller, symbols: new Set(connection.symbols), lastSentAt: Date.now() };
    this.#sse.add(client);
    client.writer.closed.catch(() => this.#sse.delete(client));
    // `retry`: how soon EventSource reconnects (with Last-Event-ID) after a drop.
    this.#write(client, encoder.encode(`retry: ${TICK_MS}\n\n`));
    for (const message of first) this.#write(client, encoder.encode(sseFrame(message)));
    return new Response(readable, {
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
    });
  }

  #write(client: SseClient, bytes: Uint8Array): void {
    if ((client.writer.desiredSize ?? 0) < -SSE_MAX_BACKLOG) {
      this.#sse.delete(client);
      client.writer.abort('too slow').catch(() => undefined);
      return;
    }
    client.writer.write(bytes).catch(() => this.#sse.delete(client));
  }
}

/** How long after the collector's poll time its write has surely landed in Redis. */
const WRITE_SLACK_MS = 200;

/**
 * When to read next: just after the collector's next write rather than at a random phase to
 * it, so an update waits about WRITE_SLACK_MS for the stream instead of up to a second. The
 * collector writes once a second, at its poll time (`newestWrite`) plus whole seconds; the
 * next read is kept 0.5 to 1.5 s ahead, one a second on average. Without a recent write (a
 * stalled collector, a closed market) the reads simply keep a one-second beat.
 */
export function nextTickAt(now: number, newestWrite: number | null): number {
  if (newestWrite === null || now - newestWrite > 5_000) return now + TICK_MS;
  const seconds = Math.ceil((now + TICK_MS / 2 - newestWrite - WRITE_SLACK_MS) / TICK_MS);
  return newestWrite + seconds * TICK_MS + WRITE_SLACK_MS;
}

/** What a hibernated WebSocket carries: enough to serve it after the object wakes. */
interface Attachment {
  caller: string;
  symbols: string[];
  interval: Interval;
}

const attachmentOf = (ws: WebSocket): Attachment => ws.deserializeAttachment() as Attachment;
