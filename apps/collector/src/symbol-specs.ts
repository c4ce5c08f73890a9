import { readFileSync } from 'node:fs';
import { DEFAULT_SYMBOL_SPECS, SymbolSpecListSchema, type SymbolSpec } from '@marketpipe/core';
import { ConfigError } from './config';

/** Every spec SYMBOLS_FILE (JSON) defines, or the built-in defaults without one. */
export function readSymbolSpecs(file?: string): readonly SymbolSpec[] {
  if (!file) return DEFAULT_SYMBOL_SPECS;
  const parsed = SymbolSpecListSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `SYMBOLS_FILE ${file} ${i.path.join('.')}: ${i.message}`));
  }
  return parsed.data;
}

/** The specs of the configured symbols, from SYMBOLS_FILE (JSON) or the built-in defaults. */
export function loadSymbolSpecs(symbols: readonly string[], file?: string): SymbolSpec[] {
  const all = readSymbolSpecs(file);
  const bySymbol = new Map(all.map((s) => [s.symbol, s]));
  const unknown = symbols.filter((s) => !bySymbol.has(s));
  if (unknown.length > 0) {
    throw new ConfigError([`SYMBOLS: no spec for ${unknown.join(', ')} (known: ${[...bySymbol.keys()].join(', ')})`]);
  }
  return symbols.map((s) => bySymbol.get(s)!);
}
