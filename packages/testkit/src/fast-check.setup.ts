import fc from 'fast-check';

/**
 * Property tests everywhere: a failing property may shrink for at most a minute (an expensive
 * property once shrank for 7 minutes), and a seed can be pinned with FC_SEED. CI pins one so
 * its verdict is reproducible; local runs draw a fresh seed each time and print it on failure.
 */
const seed = process.env.FC_SEED ?? (process.env.CI ? '20261125' : undefined);
fc.configureGlobal({
  interruptAfterTimeLimit: 60_000,
  markInterruptAsFailure: true,
  ...(seed !== undefined ? { seed: Number(seed) } : {}),
});
