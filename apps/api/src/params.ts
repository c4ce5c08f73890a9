import { z } from 'zod';

/** Request-parameter schemas shared by the routes. */
export const SymbolParam = z.object({ symbol: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'not a symbol name') });

/** `?flag=true|false`, so that `?allowStale=yes` is an error rather than silently false. */
export const booleanFlag = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true');

export const symbolList = z
  .string()
  .transform((s) => [...new Set(s.split(',').map((x) => x.trim()).filter(Boolean))])
  .pipe(z.array(SymbolParam.shape.symbol).min(1, 'name at least one symbol').max(1_000));
