import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { runBootstrap } from '../bootstrap/bootstrap';
import { parseBootstrapArgs } from './usage';

/**
 * `marketpipe bootstrap [--dry-run]`: the plan, then the downloads with a progress bar per
 * symbol (a log line per chunk off a TTY). SIGINT/SIGTERM stop after the request in flight;
 * the next run resumes. Exit 0 when every symbol's plan completed, 1 when one stopped early.
 */
export async function bootstrapCommand(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const parsed = parseBootstrapArgs(argv);
  if (!parsed.ok) {
    (parsed.help ? process.stdout : process.stderr).write(parsed.message);
    return parsed.help ? 0 : 2;
  }
  const config = loadConfig(env);
  const logger = createLogger(config.LOG_LEVEL);
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const report = await runBootstrap(config, { logger, out: process.stdout, tty: process.stderr.isTTY === true, signal: abort.signal, dryRun: parsed.args.dryRun, ...(parsed.args.until !== undefined ? { until: parsed.args.until } : {}) });
    if (abort.signal.aborted) process.stdout.write('bootstrap interrupted: run it again to resume\n');
    return report.outcomes.some((o) => o.failed) ? 1 : 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
