import { createClient, ErrorReply, RESP_TYPES } from 'redis';
import { badRequest, redisUnavailable } from './errors';
import type { Command, RawReply } from './protocol';
import { ScriptCompat } from './scripts';

/** Bulk and simple strings as Buffers at every depth: the reply's raw bytes, never text. */
const RAW = {
  typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer, [RESP_TYPES.SIMPLE_STRING]: Buffer },
} as const;

function connectClient(url: string) {
  // RESP2 gives the shapes Upstash returns (HGETALL as a flat array, floats as strings).
  // Without the offline queue a request fails at once while Redis is down (→ 5xx) instead
  // of hanging until it comes back.
  const client = createClient({ url, RESP: 2, disableOfflineQueue: true });
  // node-redis reconnects by itself; an unhandled 'error' event would crash the process.
  client.on('error', () => undefined);
  return client;
}

type Client = ReturnType<typeof connectClient>;

/** A Redis error is the command's answer; anything else means Redis could not be reached. */
function settle(error: unknown): Error {
  if (error instanceof ErrorReply) return error;
  throw redisUnavailable(error);
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
  ) {}

  static async connect(url: string): Promise<RedisExecutor> {
    const shared = connectClient(url);
    const tx = connectClient(url);
    await Promise.all([shared.connect(), tx.connect()]);
    return new RedisExecutor(shared, tx);
  }

  #send(client: Client, command: Command): Promise<RawReply> {
    return client.sendCommand<RawReply>(this.#scripts.rewrite(command), RAW);
  }

  /** One command; a Redis error is thrown as a 400 (the client then throws it). */
  async single(command: Command): Promise<RawReply> {
    try {
      return await this.#send(this.shared, command);
    } catch (error) {
      throw badRequest(settle(error).message);
    }
  }

  /** Not atomic: each command gets its own result or Redis error. */
  pipeline(commands: Command[]): Promise<RawReply[]> {
    return Promise.all(commands.map((c) => this.#send(this.shared, c).catch(settle)));
  }

  /** MULTI … EXEC; a command refused while queueing discards the whole transaction (EXECABORT). */
  multiExec(commands: Command[]): Promise<RawReply[]> {
    const run = async (): Promise<RawReply[]> => {
      await this.#send(this.tx, ['MULTI']).catch((e: unknown) => {
        throw redisUnavailable(e);
      });
      // Queueing errors are reported again by EXEC as EXECABORT, which is what we answer with.
      await Promise.all(commands.map((c) => this.#send(this.tx, c).catch(settle)));
      let replies: RawReply;
      try {
        replies = await this.#send(this.tx, ['EXEC']);
      } catch (error) {
        throw badRequest(settle(error).message);
      }
      if (!Array.isArray(replies)) throw badRequest('ERR transaction aborted');
      return replies;
    };
    const result = this.#txQueue.then(run, run);
    this.#txQueue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    await Promise.all([this.shared.close(), this.tx.close()].map((p) => p.catch(() => undefined)));
  }
}
