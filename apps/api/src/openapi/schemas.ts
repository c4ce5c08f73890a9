import { z } from '@hono/zod-openapi';
import { INTERVAL_MS, type Interval } from '@marketpipe/core';
import { PROBLEMS, type ProblemCode } from '../errors';

/**
 * The response shapes, for the OpenAPI document. The routes' handlers are typed against
 * them (`c.json(body, 200)` must match), so a change in core's types that these do not
 * follow fails the type-check instead of silently leaving the document wrong.
 */

const ms = (description: string) => z.number().int().openapi({ description, example: 1764072000000 });

export const IntervalSchema = z.enum(Object.keys(INTERVAL_MS) as [Interval, ...Interval[]]);

export const FreshnessSchema = z.object({
  ageMs: z.number().int().nullable().openapi({ description: 'ms since the collector last polled the symbol successfully; null if it never has' }),
  stale: z.boolean().openapi({ description: 'older than STALE_AFTER_MS while the market is open (unknown age counts as stale then)' }),
  marketOpen: z.boolean().openapi({ description: "whether the symbol's session is open now; outside it old data is expected" }),
});

export const BarSchema = z
  .object({
    symbol: z.string().openapi({ example: 'EURUSD' }),
    interval: IntervalSchema,
    ts: ms('open time, ms since epoch, UTC'),
    open: z.number(),
    high: z.number(),
    low: z.number(),
    close: z.number(),
    volume: z.number(),
    source: z.string().openapi({ description: 'provider that served it', example: 'yahoo' }),
    final: z.boolean().openapi({ description: 'false while the bar is still forming' }),
    filled: z.boolean().openapi({ description: 'produced by gap filling rather than observed' }),
  })
  .openapi('Bar', { description: 'One OHLCV bar.' });

const nullableNumber = z.number().nullable();

export const FeaturesSchema = z
  .object({
    symbol: z.string(),
    interval: IntervalSchema,
    ts: ms('open time of the bar the indicators were computed on'),
    final: z.boolean().openapi({ description: 'computed on a final bar (else on the forming one)' }),
    close: z.number(),
    defs: z.literal('talib').openapi({ description: 'indicator definitions: exact to TA-Lib' }),
    ema: z.record(z.string(), nullableNumber).openapi({ description: 'EMA by period ("9", "21", …); null until warm' }),
    rsi: nullableNumber,
    atr: nullableNumber,
    momentum: nullableNumber,
    volumeMa: nullableNumber,
    vwap: nullableNumber,
    bb: z.object({ middle: nullableNumber, upper: nullableNumber, lower: nullableNumber, bandwidth: nullableNumber, percentB: nullableNumber }),
    macd: z.object({ macd: nullableNumber, signal: nullableNumber, histogram: nullableNumber }),
    periods: z.object({
      ema: z.array(z.number().int()),
      rsi: z.number().int(),
      atr: z.number().int(),
      momentum: z.number().int(),
      volumeMa: z.number().int(),
      bb: z.tuple([z.number(), z.number()]).openapi({ description: '[period, standard deviations]' }),
      macd: z.tuple([z.number(), z.number(), z.number()]).openapi({ description: '[fast, slow, signal]' }),
    }),
    warm: z.boolean().openapi({ description: 'every indicator has seen enough bars' }),
    computedAt: ms('when the collector computed them'),
  })
  .openapi('Features', { description: 'Every indicator of one symbol; values not yet warm are null.' });

export const SignalSchema = z
  .object({
    symbol: z.string(),
    side: z.enum(['long', 'short', 'flat']),
    score: z.number().min(0).max(1),
    reasons: z.array(z.string()).openapi({ example: ['ema9>ema21', 'rsi>55'] }),
    price: z.number(),
    stop: nullableNumber,
    target: nullableNumber,
    ts: ms('open time of the bar the signal was computed on'),
    computedAt: ms('when the collector computed it'),
  })
  .openapi('Signal');

export const SignalItemSchema = SignalSchema.extend(FreshnessSchema.shape).openapi('SignalItem');

export const SymbolSchema = z
  .object({
    symbol: z.string().openapi({ example: 'NAS100' }),
    assetClass: z.enum(['fx', 'metal', 'index', 'crypto', 'equity']),
    precision: z.number().int().openapi({ description: 'decimal places of its prices' }),
    session: z.object({
      timezone: z.string().openapi({ example: 'America/New_York' }),
      open: z.string().openapi({ example: '18:00' }),
      close: z.string().openapi({ example: '17:00' }),
    }),
    brokers: z.record(z.string(), z.string()).openapi({ description: "each broker's name for it", example: { ftmo: 'US100.cash' } }),
    marketOpen: z.boolean(),
  })
  .openapi('Symbol');

export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'stale', 'down']).openapi({ description: 'ok: a heartbeat within staleAfterMs; stale: only older ones; down: none' }),
    ageMs: z.number().int().nullable(),
    staleAfterMs: z.number().int(),
    collectors: z.array(
      z.object({
        id: z.string(),
        at: ms("the collector's last cycle"),
        cycle: z.number().int(),
        version: z.string(),
        symbols: z.array(z.string()),
        ageMs: z.number().int(),
      }),
    ),
  })
  .openapi('Health');

const codes = Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]];

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ description: 'urn:marketpipe:problem:{code}', example: 'urn:marketpipe:problem:unknown_symbol' }),
    title: z.string().openapi({ description: 'fixed per code', example: PROBLEMS.unknown_symbol.title }),
    status: z.number().int().openapi({ example: 404 }),
    detail: z.string().openapi({ description: 'this occurrence, at most 512 characters', example: 'unknown symbol "NOPE"; GET /v1/symbols lists the symbols served here' }),
    instance: z.string().openapi({ description: 'the request path, at most 256 characters', example: '/v1/bars/NOPE' }),
    code: z.enum(codes).openapi({ description: 'machine-readable; the API description says when each occurs', example: 'unknown_symbol' }),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'invalid_request: the first 10 bad parameters' }),
    symbol: z.string().optional().openapi({ description: 'unknown_symbol: the name asked for' }),
    interval: IntervalSchema.optional().openapi({ description: 'interval_unavailable: the interval asked for' }),
    available: z.array(IntervalSchema).optional().openapi({ description: 'interval_unavailable: the intervals computed now' }),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details (application/problem+json).' });
