import { badRequest } from './errors';

/** One command as Redis receives it: every JSON argument converted with String(x). */
export type Command = string[];

/** A Redis reply read as buffers at every depth, so binary values survive untouched. */
export type RawReply = Buffer | number | bigint | null | Error | RawReply[];

export type JsonReply = string | number | null | JsonReply[];

export type Entry = { result: JsonReply } | { error: string };

/**
 * Commands that block a connection or change its state. The bridge multiplexes every HTTP
 * request over one connection, so these would stall or corrupt other requests; Upstash
 * refuses the blocking ones too.
 */
const REFUSED = new Set([
  'BLPOP', 'BRPOP', 'BRPOPLPUSH', 'BLMOVE', 'BLMPOP', 'BZPOPMIN', 'BZPOPMAX', 'BZMPOP', 'WAIT', 'WAITAOF',
  'SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE', 'UNSUBSCRIBE', 'PUNSUBSCRIBE', 'SUNSUBSCRIBE', 'MONITOR',
  'MULTI', 'EXEC', 'DISCARD', 'WATCH', 'UNWATCH', 'SELECT', 'AUTH', 'HELLO', 'RESET', 'QUIT', 'CLIENT', 'SYNC', 'PSYNC',
]);

function toCommand(value: unknown): Command {
  if (!Array.isArray(value) || value.length === 0) throw badRequest('ERR a command must be a non-empty JSON array');
  const command = value.map((arg) => {
    if (typeof arg === 'string' || typeof arg === 'number' || typeof arg === 'boolean') return String(arg);
    throw badRequest('ERR command arguments must be strings, numbers or booleans');
  });
  const name = command[0]!.toUpperCase();
  if (REFUSED.has(name)) throw badRequest(`ERR command ${name} is not supported over REST`);
  // XREAD … BLOCK would hold the shared connection like BLPOP does.
  if ((name === 'XREAD' || name === 'XREADGROUP') && command.some((a) => a.toUpperCase() === 'BLOCK')) {
    throw badRequest(`ERR blocking ${name} is not supported over REST`);
  }
  return command;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw badRequest('ERR failed to parse the request body as JSON');
  }
}

export function parseSingle(body: string): Command {
  return toCommand(parseJson(body));
}

/** A batch for /pipeline or /multi-exec; one refused command rejects the whole batch. */
export function parseBatch(body: string): Command[] {
  const value = parseJson(body);
  if (!Array.isArray(value) || value.length === 0) throw badRequest('ERR a batch must be a non-empty array of commands');
  return value.map(toCommand);
}

/**
 * RESP2 reply → JSON. With `Upstash-Encoding: base64` every string at every depth is the
 * base64 of its raw bytes; integers and nulls stay as they are. Without it strings are
 * UTF-8 text (the client's `responseEncoding: false`).
 */
export function toJson(reply: RawReply, base64: boolean): JsonReply {
  if (reply === null || typeof reply === 'number') return reply;
  if (typeof reply === 'bigint') return Number(reply);
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString('base64') : reply.toString('utf8');
  if (Array.isArray(reply)) return reply.map((r) => toJson(r, base64));
  // An error nested in an array reply (only EXEC produces these); callers split them out first.
  return reply.message;
}

/** One command's entry in a pipeline or transaction response: a result or its Redis error. */
export function toEntry(reply: RawReply, base64: boolean): Entry {
  return reply instanceof Error ? { error: reply.message } : { result: toJson(reply, base64) };
}
