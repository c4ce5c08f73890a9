import { createHash, randomBytes } from 'node:crypto';
import { connectWithin, createRedisClient } from '../redis/client';
import { decodeApiKeyRecord, encodeApiKeyRecord, redisKeys, type ApiKeyRecord } from '@marketpipe/core';
import { loadConfig } from '../config';
import { parseKeysArgs } from './usage';

export interface KeysIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** Only the hex SHA-256 is stored: a leaked Redis dump reveals no usable key. */
const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * `marketpipe keys …`: API keys for the edge API, in the `md:v1:apikeys` hash
 * (sha256 hex → JSON `{ name, createdAt, revoked }`), written over the collector's Redis
 * connection settings (REDIS_URL, REDIS_PREFIX). Exit 0 on success, 1 when nothing matched,
 * 2 on bad usage.
 */
export async function keysCommand(
  argv: string[],
  env: Record<string, string | undefined>,
  io: KeysIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const parsed = parseKeysArgs(argv);
  if (!parsed.ok) {
    (parsed.help ? io.stdout : io.stderr).write(parsed.message);
    return parsed.help ? 0 : 2;
  }
  const { action, name } = parsed.args;

  const config = loadConfig(env);
  const hash = redisKeys(config.REDIS_PREFIX).apiKeys;
  const redis = createRedisClient(config.REDIS_URL, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS });
  redis.on('error', () => undefined);
  const unreachable = await connectWithin(redis, 3_000);
  if (unreachable) {
    redis.destroy();
    io.stderr.write(`keys: Redis at ${config.REDIS_URL} is unreachable (${unreachable instanceof Error ? unreachable.message : String(unreachable)}); is it running? (REDIS_URL)\n`);
    return 1;
  }
  try {
    if (action === 'create') {
      const key = `mp_${randomBytes(24).toString('base64url')}`;
      const record: ApiKeyRecord = { name: name!, createdAt: Date.now(), revoked: false };
      await redis.hSet(hash, hashKey(key), encodeApiKeyRecord(record));
      // The key alone on stdout, so scripts can capture it; it is not stored anywhere.
      io.stdout.write(`${key}\n`);
      io.stderr.write(`created API key "${name}"; it is shown only once — store it now\n`);
      return 0;
    }
    const all = Object.entries(await redis.hGetAll(hash)).flatMap(([h, json]) => {
      const record = decodeApiKeyRecord(json);
      return record ? [[h, record] as const] : [];
    });
    if (action === 'list') {
      for (const [h, r] of all) {
        io.stdout.write(`${r.name}\t${new Date(r.createdAt).toISOString()}\t${r.revoked ? 'revoked' : 'active'}\t${h.slice(0, 12)}\n`);
      }
      return 0;
    }
    const matching = all.filter(([, r]) => r.name === name && !r.revoked);
    for (const [h, r] of matching) await redis.hSet(hash, h, encodeApiKeyRecord({ ...r, revoked: true }));
    io.stderr.write(`revoked ${matching.length} key(s) named "${name}"\n`);
    return matching.length > 0 ? 0 : 1;
  } finally {
    await redis.close();
  }
}
