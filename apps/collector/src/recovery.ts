import type { SymbolSpec } from '@marketpipe/core';
import type { LibsqlHistoryStore } from './history/libsql-history-store';
import type { RedisBarWindow } from './redis/redis-bar-window';

/**
 * Writes back into libSQL the final bars that reached the Redis window but not history
 * (a crash between a cycle's Redis write and the next flush). Returns the bars restored.
 */
export async function recoverFromWindow(
  specs: readonly SymbolSpec[],
  history: LibsqlHistoryStore,
  window: RedisBarWindow,
): Promise<number> {
  let restored = 0;
  for (const spec of specs) {
    const last = await history.lastTs(spec.symbol);
    const missing = await window.finals(spec.symbol, last === null ? 0 : last + 1);
    await history.write(missing);
    restored += missing.length;
  }
  return restored;
}
