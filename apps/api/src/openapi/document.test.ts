import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fixture } from '../../test/app-fixture';
import { PROBLEMS } from '../errors';

/**
 * The OpenAPI document, checked in workerd: its structure (the parts of OpenAPI 3.1 this API
 * uses, with zod; the full JSON-Schema validation of the spec needs code generation, which
 * workerd forbids, so `test/node/reference.test.ts` runs it in Node), and that it documents
 * exactly the routes the app serves.
 */
const Schema = z.looseObject({});
const Parameter = z.strictObject({
  name: z.string().min(1),
  in: z.enum(['path', 'query', 'header']),
  required: z.boolean(),
  description: z.string().min(1),
  schema: Schema,
});
const Header = z.strictObject({ description: z.string().min(1), schema: z.strictObject({ type: z.enum(['string', 'integer']) }) });
const Response = z.strictObject({
  description: z.string().min(1),
  headers: z.record(z.string(), Header).optional(),
  content: z.record(z.string(), z.strictObject({ schema: Schema })).optional(),
});
const Operation = z.strictObject({
  tags: z.array(z.string()).min(1),
  summary: z.string().min(1),
  description: z.string().optional(),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
  parameters: z.array(Parameter).optional(),
  responses: z.record(z.string().regex(/^[1-5]\d\d$/), Response),
});
const Document = z.strictObject({
  openapi: z.literal('3.1.0'),
  info: z.strictObject({ title: z.string().min(1), version: z.string().regex(/^\d+\.\d+\.\d+/), description: z.string().min(1) }),
  security: z.array(z.record(z.string(), z.array(z.string()))),
  paths: z.record(z.string().startsWith('/'), z.strictObject({ get: Operation })),
  components: z.strictObject({
    schemas: z.record(z.string(), Schema),
    securitySchemes: z.strictObject({ bearerAuth: z.strictObject({ type: z.literal('http'), scheme: z.literal('bearer'), description: z.string() }) }),
    parameters: z.strictObject({}),
  }),
  webhooks: z.strictObject({}),
});
type Doc = z.infer<typeof Document>;

async function load(auth: 'required' | 'optional' = 'required') {
  const { app } = await fixture({ auth });
  const res = await app.request('/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return { app, doc: Document.parse(await res.json()) as Doc };
}

/** Every `$ref` anywhere in the value. */
const refs = (value: unknown): string[] =>
  Array.isArray(value) ? value.flatMap(refs) : value && typeof value === 'object' ? Object.entries(value).flatMap(([k, v]) => (k === '$ref' ? [String(v)] : refs(v))) : [];

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document whose references all resolve', async () => {
    const { doc } = await load();
    for (const ref of refs(doc)) expect(Object.keys(doc.components.schemas), ref).toContain(ref.replace('#/components/schemas/', ''));
  });

  it('documents every route the app serves, and serves every route it documents', async () => {
    const { app, doc } = await load();
    const served = new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`));
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
    expect([...documented].sort()).toEqual([...served].sort());
    expect(served.size).toBe(9);
  });

  it('declares every path parameter, each parameter described', async () => {
    const { doc } = await load();
    for (const [path, { get }] of Object.entries(doc.paths)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (get.parameters ?? []).filter((p) => p.in === 'path');
      expect(declared.map((p) => [p.name, p.required]), path).toEqual(inPath.map((name) => [name, true]));
    }
  });

  it('gives every operation a 200 and its failures as problem+json, keyed ones their 401 and 429', async () => {
    const { doc } = await load();
    for (const [path, { get }] of Object.entries(doc.paths)) {
      expect(get.responses['200'], path).toBeDefined();
      const failures = Object.entries(get.responses).filter(([status]) => Number(status) >= 400);
      for (const [status, response] of failures) expect(Object.keys(response.content ?? {}), `${path} ${status}`).toContain('application/problem+json');
      expect(Object.keys(get.responses), path).toEqual(expect.arrayContaining(['500', '503']));
      const keyed = get.security === undefined;
      expect(Object.keys(get.responses).includes('401') && Object.keys(get.responses).includes('429'), path).toBe(keyed);
    }
    expect(Object.keys(doc.paths).filter((p) => doc.paths[p]!.get.security === undefined).sort()).toEqual(
      ['/v1/bars/{symbol}', '/v1/features', '/v1/features/{symbol}', '/v1/signals', '/v1/signals/{symbol}', '/v1/symbols'].sort(),
    );
  });

  it('documents the ETag and If-None-Match of bars, features and signals', async () => {
    const { doc } = await load();
    for (const path of ['/v1/bars/{symbol}', '/v1/features', '/v1/features/{symbol}', '/v1/signals', '/v1/signals/{symbol}']) {
      const { get } = doc.paths[path]!;
      expect(get.parameters?.map((p) => `${p.in} ${p.name}`), path).toContain('header If-None-Match');
      expect(Object.keys(get.responses['200']!.headers ?? {}), path).toContain('ETag');
      expect(get.responses['304'], path).toBeDefined();
    }
  });

  it('documents ?interval= (the seven intervals, 1m by default) and interval_unavailable where features and signals are read', async () => {
    const { doc } = await load();
    for (const path of ['/v1/bars/{symbol}', '/v1/features', '/v1/features/{symbol}', '/v1/signals', '/v1/signals/{symbol}']) {
      const { get } = doc.paths[path]!;
      const interval = get.parameters?.find((p) => p.name === 'interval');
      expect(interval, path).toMatchObject({ in: 'query', required: false, schema: { enum: ['1m', '5m', '15m', '30m', '1h', '4h', '1d'], default: '1m' } });
      expect(get.responses['404']?.description ?? '', path).toContain(path.startsWith('/v1/bars') ? 'unknown_symbol' : '`interval_unavailable`');
    }
    expect(doc.paths['/v1/bars/{symbol}']!.get.responses['404']!.description).not.toContain('interval_unavailable');
  });

  it('describes the problem object and every problem code', async () => {
    const { doc } = await load();
    const problem = doc.components.schemas.Problem as { required: string[]; properties: { code: { enum: string[] } } };
    expect(problem.required).toEqual(['type', 'title', 'status', 'detail', 'instance', 'code']);
    expect(problem.properties.code.enum).toEqual(Object.keys(PROBLEMS));
    for (const code of Object.keys(PROBLEMS)) expect(doc.info.description).toContain(`urn:marketpipe:problem:${code}`);
  });

  it('requires the bearer key unless the deployment lets anonymous callers in', async () => {
    expect((await load('required')).doc.security).toEqual([{ bearerAuth: [] }]);
    expect((await load('optional')).doc.security).toEqual([{ bearerAuth: [] }, {}]);
  });
});

describe('GET /docs', () => {
  it('is a page that renders /openapi.json with a pinned script (not fetched here)', async () => {
    const { app } = await fixture();
    const res = await app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('"url": "/openapi.json"');
    const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toEqual([expect.stringMatching(/^https:\/\/cdn\.jsdelivr\.net\/npm\/@scalar\/api-reference@\d+\.\d+\.\d+$/)]);
  });
});
