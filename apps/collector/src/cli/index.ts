import type { CommandName } from './usage';

/**
 * Runs one command whose arguments the bin has already checked, importing only that
 * command's module. Exit codes: 0 done, 1 failed, 2 bad usage, 78 bad configuration.
 */
export async function runCommand(command: CommandName, argv: string[]): Promise<number> {
  try {
    switch (command) {
      case 'run':
        return await (await import('./run')).runCollector(process.env);
      case 'fetch':
        return await (await import('./fetch')).fetchCommand(argv, process.env);
      case 'keys':
        return await (await import('./keys')).keysCommand(argv, process.env);
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

