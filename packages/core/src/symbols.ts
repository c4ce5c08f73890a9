import { z } from 'zod';

const session = z.object({
  timezone: z.string().min(1),
  open: z.string().regex(/^\d{2}:\d{2}$/),
  close: z.string().regex(/^\d{2}:\d{2}$/),
});

/** One canonical symbol and how each provider and broker names it (docs/architecture.md §2). */
export const SymbolSpecSchema = z.strictObject({
  symbol: z.string().regex(/^[A-Z0-9._-]{2,20}$/),
  assetClass: z.enum(['fx', 'metal', 'index', 'crypto', 'equity']),
  precision: z.int().min(0).max(10),
  session,
  /** typical price, used by the sim feed to start its random walk */
  basePrice: z.number().positive(),
  providers: z.strictObject({
    yahoo: z.string().min(1).optional(),
    twelvedata: z.string().min(1).optional(),
    polygon: z.string().min(1).optional(),
    alphavantage: z
      .union([z.strictObject({ from: z.string().length(3), to: z.string().length(3) }), z.strictObject({ ticker: z.string().min(1) })])
      .optional(),
  }),
  brokers: z.record(z.string(), z.string()).default({}),
});

export type SymbolSpec = z.infer<typeof SymbolSpecSchema>;
export const SymbolSpecListSchema = z.array(SymbolSpecSchema).min(1);

const FX_SESSION = { timezone: 'America/New_York', open: '17:00', close: '17:00' };
const CME_SESSION = { timezone: 'America/New_York', open: '18:00', close: '17:00' };

export const DEFAULT_SYMBOL_SPECS: SymbolSpec[] = SymbolSpecListSchema.parse([
  {
    symbol: 'EURUSD',
    assetClass: 'fx',
    precision: 5,
    session: FX_SESSION,
    basePrice: 1.08,
    providers: { yahoo: 'EURUSD=X', twelvedata: 'EUR/USD', polygon: 'C:EURUSD', alphavantage: { from: 'EUR', to: 'USD' } },
    brokers: { ftmo: 'EURUSD', icmarkets: 'EURUSD', oanda: 'EUR_USD' },
  },
  {
    symbol: 'XAUUSD',
    assetClass: 'metal',
    precision: 2,
    session: CME_SESSION,
    basePrice: 2400,
    providers: { yahoo: 'GC=F', twelvedata: 'XAU/USD', polygon: 'C:XAUUSD', alphavantage: { from: 'XAU', to: 'USD' } },
    brokers: { ftmo: 'XAUUSD', icmarkets: 'XAUUSD.a', oanda: 'XAU_USD' },
  },
  {
    symbol: 'NAS100',
    assetClass: 'index',
    precision: 2,
    session: CME_SESSION,
    basePrice: 20000,
    providers: { yahoo: 'NQ=F', twelvedata: 'NDX', polygon: 'I:NDX', alphavantage: { ticker: 'QQQ' } },
    brokers: { ftmo: 'US100.cash', icmarkets: 'USTEC', oanda: 'NAS100_USD' },
  },
]);

export class UnknownSymbolError extends Error {
  readonly code = 'unknown_symbol';
  constructor(readonly symbol: string) {
    super(`unknown symbol "${symbol}"`);
    this.name = 'UnknownSymbolError';
  }
}

/** Resolves canonical names and broker aliases (case-insensitive) to specs. */
export class SymbolRegistry {
  readonly #bySymbol = new Map<string, SymbolSpec>();
  readonly #byAlias = new Map<string, SymbolSpec>();

  constructor(readonly specs: readonly SymbolSpec[]) {
    for (const spec of specs) {
      this.#bySymbol.set(spec.symbol, spec);
      for (const alias of Object.values(spec.brokers)) this.#byAlias.set(alias.toUpperCase(), spec);
    }
  }

  get(symbol: string): SymbolSpec | undefined {
    const upper = symbol.toUpperCase();
    return this.#bySymbol.get(upper) ?? this.#byAlias.get(upper);
  }

  require(symbol: string): SymbolSpec {
    const spec = this.get(symbol);
    if (!spec) throw new UnknownSymbolError(symbol);
    return spec;
  }

  /** The broker's name for the symbol, or the canonical one if the broker has no alias. */
  brokerSymbol(symbol: string, broker: string): string | undefined {
    const spec = this.get(symbol);
    return spec ? (spec.brokers[broker] ?? spec.symbol) : undefined;
  }
}
