/**
 * Median ms of one call of `run`, for the measurement tests in workerd: its clock ticks in whole
 * ms, so each of `runs` runs times a batch of `batch` calls.
 */
export async function medianMs(run: () => Promise<unknown>, { runs = 9, batch }: { runs?: number; batch: number }): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    for (let j = 0; j < batch; j++) await run();
    times.push((performance.now() - t0) / batch);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}
