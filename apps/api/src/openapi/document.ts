import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import { version } from '../../package.json';
import { PROBLEMS, type ProblemCode } from '../errors';
import type { AuthMode } from '../middleware/auth';
import { cacheControl } from '../middleware/cache-control';
import { problemType } from '../middleware/problem';
import type { AppEnv } from '../ports';
import { ALWAYS, problems } from './responses';

/**
 * The reference page loads Scalar's script from a CDN in the reader's browser; the Worker
 * only serves a small HTML page. Pinned, so the page does not change under us.
 */
const SCALAR_CDN = 'https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.76.0';

const problemTable = (Object.keys(PROBLEMS) as ProblemCode[])
  .map((code) => `| \`${code}\` | ${PROBLEMS[code].status} | \`${problemType(code)}\` | ${PROBLEMS[code].when} |`)
  .join('\n');

const DESCRIPTION = `Bars, indicators and signals of the symbols the marketpipe collector polls every second,
served at the edge from Redis.

**Auth.** Every \`/v1\` route but \`/v1/health\` needs \`Authorization: Bearer <key>\`
(\`marketpipe keys create --name NAME\`); a deployment with \`API_AUTH=optional\` also serves anonymous callers.
Requests are rate-limited per key (\`RateLimit-*\` headers; 429 with \`Retry-After\`).

**Freshness.** Each item carries \`ageMs\` (since the collector last polled the symbol), \`stale\`
and \`marketOpen\`. Data changes every second: \`Cache-Control: private, max-age=1\`.

**Conditional requests.** Bars, features and signals carry a weak \`ETag\` derived from the data's
timestamps (not from \`ageMs\`); send it back in \`If-None-Match\` for a 304 without a body while it is current.

**Live.** \`GET /v1/stream\` pushes each symbol's forming and final bars, features and signal as
they change, over a WebSocket or as Server-Sent Events, resumable by update id; browsers, which
cannot set headers on either, send the key as \`?access_token=\`.

**HTTP.** \`HEAD\` is served wherever \`GET\` is. A known path asked with another method is a 405
problem with \`Allow\`; \`OPTIONS\` answers 204 with \`Allow\`. CORS is off unless the deployment
sets \`CORS_ORIGINS\`.

**Errors** are \`application/problem+json\` (RFC 9457) with a \`code\`:

| code | status | type | when |
|---|---|---|---|
${problemTable}
`;

const documentRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  tags: ['reference'],
  summary: 'This OpenAPI 3.1 document',
  security: [],
  middleware: [cacheControl('public, max-age=300')] as const,
  responses: {
    200: { description: 'the document', content: { 'application/json': { schema: z.looseObject({ openapi: z.literal('3.1.0') }) } } },
    ...problems(...ALWAYS),
  },
});

const docsRoute = createRoute({
  method: 'get',
  path: '/docs',
  tags: ['reference'],
  summary: 'An interactive reference of this API',
  description: 'An HTML page that renders `/openapi.json` with Scalar (its script comes from a CDN).',
  security: [],
  middleware: [cacheControl('public, max-age=300')] as const,
  responses: {
    200: { description: 'the page', content: { 'text/html': { schema: z.string() } } },
    ...problems(...ALWAYS),
  },
});

/**
 * Serves the OpenAPI document of every route registered on `app` at `/openapi.json` (built on
 * the first request, once all routes exist, then kept for the isolate's life) and the
 * reference page at `/docs`. Both public: they describe the API, not its data.
 */
export function serveReference(app: OpenAPIHono<AppEnv>, { auth }: { auth: AuthMode }): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'an API key from `marketpipe keys create`',
  });
  let document: object | undefined;
  const page = Scalar<AppEnv>({ url: '/openapi.json', pageTitle: 'marketpipe API', cdn: SCALAR_CDN });

  app.openapi(documentRoute, (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'marketpipe edge API', version, description: DESCRIPTION },
      // With API_AUTH=optional a request without a key is served too.
      security: auth === 'required' ? [{ bearerAuth: [] }] : [{ bearerAuth: [] }, {}],
    });
    return c.json(document as { openapi: '3.1.0' }, 200);
  });
  app.openapi(docsRoute, (c) => page(c, async () => undefined) as Promise<Response>);
}
