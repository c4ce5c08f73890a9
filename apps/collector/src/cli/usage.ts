/**
 * The CLI's usage texts and argument rules. `bin/marketpipe.js` loads this file with Node 24's
 * own type stripping, before tsx and before any command module, so that help and usage
 * mistakes answer at once. Keep it that way: no imports but `node:` built-ins, and only
 * TypeScript that Node can erase (no enums, no parameter properties).
 */
import { parseArgs } from 'node:util';

export const USAGE = `usage: marketpipe <command> [--help]

commands:
  run                                           start the collector (configured by env, see .env.example)
  fetch --provider NAME --symbol SYM [--json]   fetch once from one provider and print the bars
  keys create --name NAME                       create an API key (prints it once)
  keys revoke --name NAME                       revoke every key with that name
  keys list                                     names, creation times, revoked or not

run and keys use REDIS_URL; when it is unset, the Redis of a running \`npm run demo\`
(./data/demo.env), else redis://127.0.0.1:6379.
`;

const COMMAND_USAGE = {
  run: 'usage: marketpipe run    start the collector; every setting comes from the environment (.env.example)\n',
  fetch: 'usage: marketpipe fetch --provider NAME --symbol SYM [--json]\n',
  keys: `usage: marketpipe keys create --name NAME    create a key; prints it once on stdout
       marketpipe keys revoke --name NAME    revoke every key with that name
       marketpipe keys list                  names, creation times, revoked or not
`,
} as const;

export type CommandName = keyof typeof COMMAND_USAGE;

export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMAND_USAGE, name);
}

/** Parsed arguments, or what to print instead: the command's help (exit 0) or a usage error (exit 2). */
export type Parsed<T> = { ok: true; args: T } | { ok: false; help: boolean; message: string };

export interface FetchArgs {
  provider: string;
  symbol: string;
  json: boolean;
}

export interface KeysArgs {
  action: 'create' | 'revoke' | 'list';
  /** trimmed; present for create and revoke */
  name: string | undefined;
}

const HELP = ['--help', '-h'];
const help = (command: CommandName): Parsed<never> => ({ ok: false, help: true, message: COMMAND_USAGE[command] });
const mistake = (command: CommandName, problem: string): Parsed<never> => ({
  ok: false,
  help: false,
  message: `marketpipe ${command}: ${problem}\n${COMMAND_USAGE[command]}`,
});

/** parseArgs' own messages already name the flag ("Unknown option '--bogus'"): pass them on. */
function attempt<T>(parse: () => T): T | string {
  try {
    return parse();
  } catch (error) {
    return (error as Error).message;
  }
}

export function parseRunArgs(argv: string[]): Parsed<Record<string, never>> {
  if (argv.some((a) => HELP.includes(a))) return help('run');
  if (argv.length > 0) return mistake('run', `unexpected argument "${argv[0]}": run is configured by environment variables`);
  return { ok: true, args: {} };
}

export function parseFetchArgs(argv: string[]): Parsed<FetchArgs> {
  if (argv.some((a) => HELP.includes(a))) return help('fetch');
  const parsed = attempt(() =>
    parseArgs({ args: argv, options: { provider: { type: 'string' }, symbol: { type: 'string' }, json: { type: 'boolean', default: false } } }),
  );
  if (typeof parsed === 'string') return mistake('fetch', parsed);
  const { provider, symbol, json } = parsed.values;
  if (!provider?.trim()) return mistake('fetch', '--provider is required');
  if (!symbol?.trim()) return mistake('fetch', '--symbol is required');
  return { ok: true, args: { provider: provider.trim(), symbol: symbol.trim(), json: json === true } };
}

export function parseKeysArgs(argv: string[]): Parsed<KeysArgs> {
  if (argv.some((a) => HELP.includes(a))) return help('keys');
  const parsed = attempt(() => parseArgs({ args: argv, options: { name: { type: 'string' } }, allowPositionals: true }));
  if (typeof parsed === 'string') return mistake('keys', parsed);
  const [action, ...extra] = parsed.positionals;
  if (action !== 'create' && action !== 'revoke' && action !== 'list') {
    return mistake('keys', action === undefined ? 'missing action: create, revoke or list' : `unknown action "${action}"`);
  }
  if (extra.length > 0) return mistake('keys', `unexpected argument "${extra[0]}"`);
  const name = parsed.values.name?.trim() || undefined;
  if (action !== 'list' && !name) return mistake('keys', `${action}: --name is required`);
  return { ok: true, args: { action, name } };
}

/** The bin's check before it loads anything else: `undefined` when the command may run. */
export function checkArgs(command: CommandName, argv: string[]): { help: boolean; message: string } | undefined {
  const parsed = { run: parseRunArgs, fetch: parseFetchArgs, keys: parseKeysArgs }[command](argv);
  return parsed.ok ? undefined : parsed;
}
