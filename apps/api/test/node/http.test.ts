import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type RunningBridge } from '@marketpipe/bridge';
import { startApiWorker, startPrivateRedis, type PrivateRedis, type RunningApiWorker } from '@marketpipe/testkit';
import { seedMarket } from './seed';

/**
 * The Worker as deployed (workerd, via wrangler), over real HTTP: its OpenAPI document
 * validated against the OpenAPI 3.1 schema (which needs code generation, forbidden in workerd),
 * and the HTTP semantics as a client sees them on the wire.
 */
const prefix = `test:http:${randomBytes(4).toString('hex')}:`;
const apiKey = `mp_test_${randomBytes(16).toString('hex')}`;
const auth = { authorization: `Bearer ${apiKey}` };

let redis: PrivateRedis;
let bridge: RunningBridge;
let worker: RunningApiWorker;
let dir: string;

beforeAll(async () => {
  redis = await startPrivateRedis();
  dir = await mkdtemp(join(tmpdir(), 'marketpipe-http-'));
  await seedMarket({ redisUrl: redis.url, prefix, dir, apiKey });
  bridge = await startBridge({ port: 0, token: randomBytes(24).toString('base64url'), redisUrl: redis.url });
  worker = await startApiWorker({ bridgeUrl: bridge.url, bridgeToken: bridge.token, prefix });
});

afterAll(async () => {
  await worker?.stop();
  await bridge?.close();
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the reference', () => {
  it('serves an OpenAPI 3.1 document that validates', async () => {
    const res = await worker.fetch('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as OpenAPIV3_1.Document;
    const result = await validate(structuredClone(doc));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.specification).toBe('OpenAPI');
    expect(result.warnings).toEqual([]);
    // The 9 of the in-process app (src/openapi/document.test.ts) and /v1/stream, which only the Worker (with its Durable Object) serves.
    expect(Object.keys(doc.paths ?? {})).toHaveLength(10);
  });

  it('serves /docs as a page pointing at the document; its CDN script is not fetched here', async () => {
    const res = await worker.fetch('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toMatch(/<script src="https:\/\/cdn\.jsdelivr\.net\/npm\/@scalar\/api-reference@[\d.]+"><\/script>/);
  });
});

describe('HTTP semantics on the wire', () => {
  it('answers HEAD with the headers of GET and no body', async () => {
    const get = await worker.fetch('/v1/bars/EURUSD?limit=5', { headers: auth });
    const head = await worker.fetch('/v1/bars/EURUSD?limit=5', { method: 'HEAD', headers: auth });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(get.headers.get('etag'));
    expect(head.headers.get('content-type')).toBe('application/json');
    expect(await head.text()).toBe('');
  });

  it('answers a current If-None-Match with 304 and no body, and a stale one with the data', async () => {
    for (const path of ['/v1/bars/EURUSD?limit=5', '/v1/features/EURUSD', '/v1/signals?allowStale=true']) {
      const first = await worker.fetch(path, { headers: auth });
      expect(first.status, path).toBe(200);
      const tag = first.headers.get('etag')!;
      const again = await worker.fetch(path, { headers: { ...auth, 'if-none-match': tag } });
      expect(again.status, path).toBe(304);
      expect(again.headers.get('etag'), path).toBe(tag);
      expect(await again.text(), path).toBe('');
      const other = await worker.fetch(path, { headers: { ...auth, 'if-none-match': 'W/"0000000000000000"' } });
      expect(other.status, path).toBe(200);
    }
  });

  it('answers a wrong method on a known path with 405 and Allow, before auth', async () => {
    for (const [method, path] of [
      ['POST', '/v1/bars/EURUSD'],
      ['DELETE', '/v1/signals'],
    ]) {
      const res = await worker.fetch(path!, { method });
      expect(res.status, path).toBe(405);
      expect(res.headers.get('allow'), path).toBe('GET, HEAD, OPTIONS');
      expect(res.headers.get('content-type'), path).toBe('application/problem+json');
    }
  });

  it('keeps the problem small for a 10 KB path', async () => {
    const res = await worker.fetch(`/v1/bars/${'A'.repeat(10_000)}`, { headers: auth });
    expect(res.status).toBe(400);
    expect((await res.text()).length).toBeLessThan(1_000);
  });
});
