import { Writable } from 'node:stream';
import { DEFAULT_SYMBOL_SPECS, type SymbolSpec } from '@marketpipe/core';
import { createLogger, type Logger } from '../../src/logger';

export const EURUSD: SymbolSpec = DEFAULT_SYMBOL_SPECS.find((s) => s.symbol === 'EURUSD')!;
export const NAS100: SymbolSpec = DEFAULT_SYMBOL_SPECS.find((s) => s.symbol === 'NAS100')!;

/** A logger whose JSON lines are kept, to assert what was (and was not) logged. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}

export function lastMinutes(n: number, now = Date.now()): { from: number; to: number } {
  return { from: now - n * 60_000, to: now };
}
