import { loadConfig } from '../config';
import { startCollector } from '../collector';
import { createLogger } from '../logger';
import { startBackgroundBootstrap } from '../bootstrap/background';

/**
 * `marketpipe run`: the collector until SIGTERM or SIGINT, then its bounded graceful stop
 * (SHUTDOWN_TIMEOUT_MS); beside it, when BOOTSTRAP_ON_RUN, the background bootstrap. Exit 0 after a stop, whatever it could not write (the last log line
 * says what).
 */
export async function runCollector(env: Record<string, string | undefined>): Promise<number> {
  const config = loadConfig(env);
  const logger = createLogger(config.LOG_LEVEL);
  const collector = await startCollector(config, { logger });
  // The start-up catch-up has fetched BACKFILL_HOURS; the rest of the window fills behind the live loop.
  const background = config.BOOTSTRAP_ON_RUN ? startBackgroundBootstrap(env, logger, { until: Date.now() - config.BACKFILL_HOURS * 3_600_000 }) : null;
  // The engines were warmed from BACKFILL_HOURS: rebuilt from the fuller history, one symbol between each two cycles.
  void background?.done.then((result) => {
    if (result && result.bars > 0) collector.rewarm(collector.specs.map((s) => s.symbol));
  });
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals | 'parent_exit') => {
      logger.info({ signal }, 'stopping: finishing the cycle and flushing history');
      clearInterval(parentWatch);
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    // `npx`/`npm run` do not forward SIGTERM to us: when the wrapper dies we are re-parented,
    // and that is our cue to stop the same graceful way instead of running on orphaned.
    const parent = process.ppid;
    const parentWatch = setInterval(() => {
      if (process.ppid !== parent) onSignal('parent_exit');
    }, 500);
  });
  await Promise.all([background?.stop(1_000), collector.stop()]);
  // Everything is flushed and closed; what can still hold the event loop is node-redis's
  // reconnect timer while Redis is down (it cannot be cancelled), up to 2 s past the bound.
  setTimeout(() => process.exit(0), 200).unref();
  return 0;
}
