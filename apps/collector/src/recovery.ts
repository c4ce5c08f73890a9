import type { SymbolSpec } from '@marketpipe/core';
import type { HistorySink, HotWindow } from './ports';

/**
 * Crash recovery, Redis → history: writes back the final bars that reached the Redis window
 * but not history (a crash before the buffer was flushed). The other direction (history bars
 * newer than the window) is the replicator's refill. Returns the bars restored.
 */
export async function recoverFromWindow(specs: readonly SymbolSpec[], history: HistorySink, window: HotWindow): Promise<number> {
  let restored = 0;
  for (const spec of specs) {
    const last = await history.lastTs(spec.symbol);
    const missing = await window.finals(spec.symbol, last === null ? 0 : last + 1);
    history.add(missing);
    restored += missing.length;
  }
  if (restored > 0) await history.flush();
  return restored;
}
