import { createClient, ErrorReply, RESP_TYPES } from 'redis';
import { badRequest, BridgeError, redisUnreachable } from './errors';
import type { Command, RawReply } from './protocol';
import { ScriptCompat } from './scripts';

/** Redis answers these commands in milliseconds: a reply this late means it is stuck. */
const COMMAND_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 2_000;
/** A Redis that comes back is used again within this much (plus one connect). */
const MAX_RECONNECT_DELAY_MS = 500;

/** Bulk and simple strings as Buffers at every depth: the reply's raw bytes, never text. */
const RAW = {
  typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer, [RESP_TYPES.SIMPLE_STRING]: Buffer },
} as const;

/**
 * Redis took too long. Its reply may still come: node-redis still pairs it with its command
 * (and drops it, as nobody awaits it), so later replies stay in step.
 */
class NoReplyError extends Error {
  readonly code = 'no_reply';
  constructor() {
    super(`no reply within ${COMMAND_TIMEOUT_MS} ms`);
    this.name = 'NoReplyError';
  }
}

/**
 * node-redis's own command `timeout` stops counting once the command is written, so a Redis
 * that stops answering would hold the request forever: stop waiting here instead.
 */
function withinTimeout<T>(reply: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new NoReplyError()), COMMAND_TIMEOUT_MS)));
  return Promise.race([reply, late]).finally(() => clearTimeout(timer));
}

function createRedisClient(url: string) {
  let wasReady = false;
  const client = createClient({
    url,
    // RESP2 gives the shapes Upstash returns (HGETALL as a flat array, floats as strings).
    RESP: 2,
    // Without the offline queue a request fails at once while Redis is away (→ 500)
    // instead of hanging until it comes back.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      // Unreachable at start is a wrong REDIS_URL or a Redis not started yet: fail, and say
      // so. Once it has been up, keep reconnecting, so the bridge recovers by itself.
      reconnectStrategy: (retries, cause) => (wasReady ? Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS) : cause),
    },
  });
  client.once('ready', () => (wasReady = true));
  return client;
}

type Client = ReturnType<typeof createRedisClient>;

/**
 * Whether Redis can be reached, from the clients' connection events: one log line when it
 * goes away and one when it is back, however many requests fail meanwhile. A request failed
 * meanwhile is told the last connection error (`connect ECONNREFUSED …`), which says more
 * than node-redis's "The client is offline".
 */
class Availability {
  #wasUp = false;
  #lostAt: number | null = null;
  #reason = '';

  constructor(clients: Client[], log: (line: string) => void) {
    for (const client of clients) {
      // Also what keeps node-redis's 'error' events from crashing the process. Before Redis
      // was first up, the failed start reports the error itself.
      client.on('error', (error: Error) => {
        this.#reason = error.message;
        if (!this.#wasUp || this.#lostAt !== null) return;
        this.#lostAt = Date.now();
        log(`redis unreachable (${error.message}); answering 500 until it is back`);
      });
      client.on('ready', () => {
        if (!clients.every((c) => c.isReady)) return;
        if (this.#lostAt !== null) log(`redis reachable again after ${((Date.now() - this.#lostAt) / 1000).toFixed(1)} s`);
        this.#wasUp = true;
        this.#lostAt = null;
      });
    }
  }

  /** Why a command got no reply from Redis. */
  reasonFor(error: unknown): string {
    if (this.#lostAt !== null) return this.#reason;
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Runs REST commands on a real Redis. Single commands and pipelines share one auto-pipelined
 * connection; transactions get their own connection and run one at a time, so no other
 * request's command can land between MULTI and EXEC.
 */
export class RedisExecutor {
  #txQueue: Promise<unknown> = Promise.resolve();
  readonly #scripts = new ScriptCompat();

  private constructor(
    private readonly shared: Client,
    private readonly tx: Client,
    private readonly availability: Availability,
  ) {}

  static async connect(url: string, log: (line: string) => void): Promise<RedisExecutor> {
    const shared = createRedisClient(url);
    const tx = createRedisClient(url);
    const availability = new Availability([shared, tx], log);
    try {
      await Promise.all([shared.connect(), tx.connect()]);
    } catch (error) {
      for (const client of [shared, tx]) if (client.isOpen) client.destroy();
      throw redisUnreachable(error instanceof Error ? error.message : String(error), error);
    }
    return new RedisExecutor(shared, tx, availability);
  }

  #send(client: Client, command: Command): Promise<RawReply> {
    return withinTimeout(client.sendCommand<RawReply>(this.#scripts.rewrite(command), RAW));
  }

  /** A Redis error is the command's answer; anything else means Redis could not be reached. */
  #settle = (error: unknown): Error => {
    if (error instanceof ErrorReply) return error;
    throw redisUnreachable(this.availability.reasonFor(error), error);
  };

  /** One command; a Redis error is thrown as a 400 (the client then throws it). */
  async single(command: Command): Promise<RawReply> {
    try {
      return await this.#send(this.shared, command);
    } catch (error) {
      throw badRequest(this.#settle(error).message);
    }
  }

  /** Not atomic: each command gets its own result or Redis error. */
  pipeline(commands: Command[]): Promise<RawReply[]> {
    return Promise.all(commands.map((c) => this.#send(this.shared, c).catch(this.#settle)));
  }

  /** MULTI … EXEC; a command refused while queueing discards the whole transaction (EXECABORT). */
  multiExec(commands: Command[]): Promise<RawReply[]> {
    const run = () =>
      this.#transaction(commands).catch((error: unknown) => {
        // A step that timed out may still reach Redis later; a DISCARD queued behind it keeps
        // the connection from staying in MULTI and refusing every later transaction.
        if (error instanceof BridgeError && error.code === 'redis_unreachable') this.#send(this.tx, ['DISCARD']).catch(() => undefined);
        throw error;
      });
    const result = this.#txQueue.then(run, run);
    this.#txQueue = result.catch(() => undefined);
    return result;
  }

  async #transaction(commands: Command[]): Promise<RawReply[]> {
    await this.#send(this.tx, ['MULTI']).catch((e: unknown) => {
      throw badRequest(this.#settle(e).message);
    });
    // Queueing errors are reported again by EXEC as EXECABORT, which is what we answer with.
    await Promise.all(commands.map((c) => this.#send(this.tx, c).catch(this.#settle)));
    let replies: RawReply;
    try {
      replies = await this.#send(this.tx, ['EXEC']);
    } catch (error) {
      throw badRequest(this.#settle(error).message);
    }
    if (!Array.isArray(replies)) throw badRequest('ERR transaction aborted');
    return replies;
  }

  /** Not a graceful QUIT: that would wait on a Redis that may not answer, for replies no one awaits any more. */
  close(): void {
    for (const client of [this.shared, this.tx]) if (client.isOpen) client.destroy();
  }
}
