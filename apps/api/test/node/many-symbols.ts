import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_SYMBOL_SPECS, type SymbolSpec } from '@marketpipe/core';

/**
 * `count` symbols for a collector (SYMBOLS + SYMBOLS_FILE): copies of the default specs with
 * numbered names (`EUR0`, `XAU1`, `NAS2`, …), as the collector's cycle benchmark makes them.
 * Returns the env variables that select them.
 */
export async function manySymbols(dir: string, count: number): Promise<{ specs: SymbolSpec[]; env: { SYMBOLS: string; SYMBOLS_FILE: string } }> {
  const specs = Array.from({ length: count }, (_, i) => {
    const base = DEFAULT_SYMBOL_SPECS[i % DEFAULT_SYMBOL_SPECS.length]!;
    return { ...base, symbol: `${base.symbol.slice(0, 3)}${i}`, brokers: {} };
  });
  const file = join(dir, 'symbols.json');
  await writeFile(file, JSON.stringify(specs));
  return { specs, env: { SYMBOLS: specs.map((s) => s.symbol).join(','), SYMBOLS_FILE: file } };
}
