import type { MiddlewareHandler } from 'hono';
import { MethodNotAllowedError } from '../errors';

/** A route as Hono lists it in `app.routes`; middleware registered with `use` has method `ALL`. */
export interface ListedRoute {
  method: string;
  path: string;
}

type Table = { pattern: RegExp; methods: Set<string> }[];

// The app's own route paths use `:param` only (no Hono regex or optional segments).
const toPattern = (path: string) => new RegExp(`^${path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\/:[^/]+/g, '/[^/]+')}$`);

function routeTable(routes: readonly ListedRoute[]): Table {
  const byPath = new Map<string, Set<string>>();
  for (const { method, path } of routes) {
    if (method === 'ALL') continue;
    const methods = byPath.get(path) ?? new Set(['OPTIONS']);
    methods.add(method);
    // Hono answers HEAD wherever GET is served, with the GET response minus its body.
    if (method === 'GET') methods.add('HEAD');
    byPath.set(path, methods);
  }
  return [...byPath].map(([path, methods]) => ({ pattern: toPattern(path), methods }));
}

/**
 * A known path asked with a method it does not serve is a 405 with `Allow` (RFC 9110
 * §15.5.6), not the 404 of an unknown path; OPTIONS on it is a 204 with `Allow`. Mounted
 * before auth, so a wrong method is reported as such whatever the key, and costs no rate
 * limit. The table is built from `routes()` on the first request, once every route exists.
 */
export const methodGuard = (routes: () => readonly ListedRoute[]): MiddlewareHandler => {
  let table: Table | undefined;
  return async (c, next) => {
    table ??= routeTable(routes());
    const path = c.req.path;
    const allowed = new Set(table.flatMap((route) => (route.pattern.test(path) ? [...route.methods] : [])));
    const method = c.req.method;
    if (allowed.size === 0 || (allowed.has(method) && method !== 'OPTIONS')) return next();
    const list = [...allowed].sort();
    if (method === 'OPTIONS') return c.body(null, 204, { allow: list.join(', ') });
    throw new MethodNotAllowedError(method, list);
  };
};
