import { z } from '@hono/zod-openapi';
import { IntervalSchema } from './openapi/schemas';

/** Request-parameter schemas shared by the routes (validated, and documented in the OpenAPI document). */

const symbolName = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'not a symbol name');

export const SymbolParam = z.object({
  symbol: symbolName.openapi({
    param: { description: 'canonical symbol or a broker alias of one, case-insensitive (`US100.cash` is NAS100)' },
    example: 'EURUSD',
  }),
});

/** `?flag=true|false`, so that `?allowStale=yes` is an error rather than silently false. */
export const booleanFlag = (description: string) =>
  z
    .enum(['true', 'false'])
    .default('false')
    .openapi({ description })
    .transform((v) => v === 'true');

export const symbolList = z
  .string()
  .transform((s) => [...new Set(s.split(',').map((x) => x.trim()).filter(Boolean))])
  .pipe(z.array(symbolName).min(1, 'name at least one symbol').max(1_000))
  .openapi({ type: 'string', description: 'comma-separated symbols or broker aliases, at most 1,000', example: 'EURUSD,XAUUSD' });

/** `?interval=`, one of the seven the pipeline keeps (docs/architecture.md §4); 1m when absent. */
export const intervalParam = (description: string) => IntervalSchema.default('1m').openapi({ description, example: '5m' });

/** What the features and signals routes say about `interval`: computed only for FEATURE_INTERVALS. */
export const COMPUTED_INTERVAL =
  "bar interval the values are computed on; only the collector's FEATURE_INTERVALS are (default 1m, 5m, 1h): another one is a 404 `interval_unavailable` listing those";
