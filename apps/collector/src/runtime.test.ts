import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { collectBetweenCycles } from './runtime';

/** GC kinds perf_hooks reported while `run` ran (entries arrive asynchronously, after it). */
async function gcKinds(run: () => void): Promise<number[]> {
  const kinds: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) kinds.push(entry.detail?.kind ?? -1);
  });
  observer.observe({ entryTypes: ['gc'] });
  run();
  await new Promise((r) => setTimeout(r, 50));
  observer.disconnect();
  return kinds;
}

describe('collectBetweenCycles', () => {
  it('runs a scavenge per call and a full GC every 20th, in a process started without --expose-gc', async () => {
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    const first = await gcKinds(() => {
      for (let i = 0; i < 19; i++) collectBetweenCycles();
    });
    // an idle test allocating nothing would not scavenge 19 times in 50 ms on its own
    expect(first.filter((k) => k === constants.NODE_PERFORMANCE_GC_MINOR).length).toBeGreaterThanOrEqual(19);
    const twentieth = await gcKinds(() => collectBetweenCycles());
    expect(twentieth).toContain(constants.NODE_PERFORMANCE_GC_MAJOR);
  });
});
