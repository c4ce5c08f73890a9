import { withDemoRedis } from './demo-env';
import type { CommandName } from './usage';

/**
 * Runs one command whose arguments the bin has already checked, importing only that
 * command's module. Exit codes: 0 done, 1 failed, 2 bad usage, 78 bad configuration.
 */
export async function runCommand(command: CommandName, argv: string[]): Promise<number> {
  // A reader that went away (`marketpipe fetch --json | head`) is not an error: stop quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
  try {
    switch (command) {
      case 'run':
        return await (await import('./run')).runCollector(redisEnv());
      case 'bootstrap':
        return await (await import('./bootstrap')).bootstrapCommand(argv, redisEnv());
      case 'status':
        return await (await import('./status')).statusCommand(argv, redisEnv());
      case 'fetch':
        return await (await import('./fetch')).fetchCommand(argv, process.env);
      case 'keys':
        return await (await import('./keys')).keysCommand(argv, redisEnv());
    }
  } catch (error) {
    // Imported only on failure: the config schema (zod) would slow every usage error down.
    const [{ ConfigError }, { PortInUseError }] = await Promise.all([import('../config'), import('../health-server')]);
    if (error instanceof ConfigError || error instanceof PortInUseError) {
      process.stderr.write(`${error.message}\n`);
      return error instanceof ConfigError ? 78 : 1;
    }
    throw error;
  }
}

/** The environment of a command that talks to Redis: a running demo's Redis when REDIS_URL is unset. */
function redisEnv(): Record<string, string | undefined> {
  const { env, from } = withDemoRedis(process.env, process.cwd());
  if (from) process.stderr.write(`using the demo's Redis at ${env.REDIS_URL} (REDIS_URL is unset; ${from})\n`);
  return env;
}
