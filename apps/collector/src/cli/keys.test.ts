import { createHash, randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { describe, expect, inject, it } from 'vitest';
import { keysCommand } from './keys';

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } },
  };
}

const prefix = `test:keys:${randomBytes(4).toString('hex')}:`;
const env = () => ({ REDIS_URL: inject('redisUrl'), REDIS_PREFIX: prefix });

async function stored(): Promise<Record<string, string>> {
  const redis = createClient({ url: inject('redisUrl') });
  await redis.connect();
  try {
    return await redis.hGetAll(`${prefix}apikeys`);
  } finally {
    await redis.close();
  }
}

describe('marketpipe keys', () => {
  it('create prints a new key once and stores only its sha256', async () => {
    const { out, io } = capture();
    expect(await keysCommand(['create', '--name', 'alice'], env(), io)).toBe(0);
    const key = out.stdout.trim();
    expect(key).toMatch(/^mp_[\w-]{32}$/);
    const hash = createHash('sha256').update(key).digest('hex');
    const all = await stored();
    expect(JSON.parse(all[hash]!)).toEqual({ name: 'alice', createdAt: expect.any(Number), revoked: false });
    expect(JSON.stringify(all)).not.toContain(key);
  });

  it('revoke marks every key with the name revoked', async () => {
    const { io } = capture();
    await keysCommand(['create', '--name', 'bob'], env(), io);
    expect(await keysCommand(['revoke', '--name', 'bob'], env(), io)).toBe(0);
    const bobs = Object.values(await stored()).map((j) => JSON.parse(j)).filter((r) => r.name === 'bob');
    expect(bobs.every((r) => r.revoked)).toBe(true);
    expect(await keysCommand(['revoke', '--name', 'bob'], env(), io), 'nothing left to revoke').toBe(1);
  });

  it('refuses create without --name', async () => {
    const { out, io } = capture();
    expect(await keysCommand(['create'], env(), io)).toBe(2);
    expect(out.stderr).toMatch(/--name is required/);
  });
});
