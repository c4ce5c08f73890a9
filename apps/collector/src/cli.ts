import { loadConfig, ConfigError } from './config';
import { startCollector } from './collector';
import { createLogger } from './logger';
import { PortInUseError } from './health-server';

const USAGE = `usage: marketpipe <command>

commands:
  run                                   start the collector (configured by env, see .env.example)
  fetch --provider NAME --symbol SYM [--json]   fetch once from one provider and print the bars
  keys create --name NAME               create an API key (prints it once)
  keys revoke --name NAME               revoke every key with that name
  keys list                             names, creation times, revoked or not
`;

async function run(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const collector = await startCollector(config, { logger });
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
  await collector.stop();
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await run();
      case 'fetch': {
        const { fetchCommand } = await import('./cli/fetch');
        return await fetchCommand(rest, process.env);
      }
      case 'keys': {
        const { keysCommand } = await import('./cli/keys');
        return await keysCommand(rest, process.env);
      }
      case undefined:
      case 'help':
      case '--help':
        process.stdout.write(USAGE);
        return command === undefined ? 1 : 0;
      default:
        process.stderr.write(`unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 78;
    }
    if (error instanceof PortInUseError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
