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
  bootstrap [--dry-run] [--until T]             fill RETENTION_DAYS of history (plan, progress, resumable)
  status [--json]                               coverage, holes, freshness, breakers and quotas per symbol
  fetch --provider NAME --symbol SYM [--json] [--from T] [--to T]
                                                fetch once from one provider and print the bars
  keys create --name NAME                       create an API key (prints it once)
  keys revoke --name NAME                       revoke every key with that name
  keys list                                     names, creation times, revoked or not

run, bootstrap, status and keys use REDIS_URL; when it is unset, the Redis of a running \`npm run demo\`
(./data/demo.env), else redis://127.0.0.1:6379.
`;

const COMMAND_USAGE = {
  run: 'usage: marketpipe run    start the collector; every setting comes from the environment (.env.example)\n',
  bootstrap: `usage: marketpipe bootstrap [--dry-run] [--until T]
  fills RETENTION_DAYS of history for every symbol (SYMBOLS, SYMBOLS_FILE) from the configured
  providers within their history limits and quotas; prints the plan and its estimated time
  first (--dry-run: only that); resumes where an interrupted run stopped. --until (an ISO
  time or an offset like -1d; default the last complete minute) ends the window earlier
`,
  status: `usage: marketpipe status [--json]
  per symbol: first and last bar, bars held, in-session holes, resolution per range, serving
  provider and data age, breakers and quotas; exit 1 when a symbol is stale or has holes
`,
  fetch: `usage: marketpipe fetch --provider NAME --symbol SYM [--json] [--from T] [--to T]
  T is an ISO date or time (2026-01-05, 2026-01-05T14:30Z) or an offset from now (-3d, -12h, -30m);
  default: the last 4 days. Bars left out are named on stderr with the reason
`,
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
  /** ms; resolved against the clock at parse time */
  from: number;
  to: number;
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

const OFFSET_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
/** how far back `fetch` looks by default: the last session even across a weekend */
export const DEFAULT_FETCH_LOOKBACK_MS = 4 * 86_400_000;

/** `-3d`-style offsets from `now`, or an ISO date/time (a date alone is UTC midnight); null when neither. */
export function parseTime(value: string, now: number): number | null {
  const offset = /^-(\d+(?:\.\d+)?)([mhdw])$/.exec(value.trim());
  if (offset) return now - Number(offset[1]) * OFFSET_UNITS[offset[2]!]!;
  if (!/^\d{4}-\d{2}-\d{2}/.test(value.trim())) return null;
  const ts = Date.parse(value.trim());
  return Number.isNaN(ts) ? null : ts;
}

/**
 * `--from -3d` as written: parseArgs reads a value starting with `-` as a missing argument,
 * so a time flag followed by an offset is joined into `--from=-3d` first.
 */
function joinOffsets(argv: readonly string[], flags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (flags.includes(argv[i]!) && next !== undefined && /^-\d/.test(next)) out.push(`${argv[i++]}=${next}`);
    else out.push(argv[i]!);
  }
  return out;
}

export function parseFetchArgs(argv: string[], now = Date.now()): Parsed<FetchArgs> {
  if (argv.some((a) => HELP.includes(a))) return help('fetch');
  const parsed = attempt(() =>
    parseArgs({
      args: joinOffsets(argv, ['--from', '--to']),
      options: { provider: { type: 'string' }, symbol: { type: 'string' }, json: { type: 'boolean', default: false }, from: { type: 'string' }, to: { type: 'string' } },
    }),
  );
  if (typeof parsed === 'string') return mistake('fetch', parsed);
  const { provider, symbol, json } = parsed.values;
  if (!provider?.trim()) return mistake('fetch', '--provider is required');
  if (!symbol?.trim()) return mistake('fetch', '--symbol is required');
  const to = parsed.values.to === undefined ? now : parseTime(parsed.values.to, now);
  if (to === null) return mistake('fetch', `--to "${parsed.values.to}" is neither an ISO date nor an offset like -3d`);
  const from = parsed.values.from === undefined ? to - DEFAULT_FETCH_LOOKBACK_MS : parseTime(parsed.values.from, now);
  if (from === null) return mistake('fetch', `--from "${parsed.values.from}" is neither an ISO date nor an offset like -3d`);
  if (from > to) return mistake('fetch', `--from ${new Date(from).toISOString()} is after --to ${new Date(to).toISOString()}`);
  return { ok: true, args: { provider: provider.trim(), symbol: symbol.trim(), json: json === true, from, to } };
}

export function parseBootstrapArgs(argv: string[], now = Date.now()): Parsed<{ dryRun: boolean; until: number | undefined }> {
  if (argv.some((a) => HELP.includes(a))) return help('bootstrap');
  const parsed = attempt(() => parseArgs({ args: joinOffsets(argv, ['--until']), options: { 'dry-run': { type: 'boolean', default: false }, until: { type: 'string' } } }));
  if (typeof parsed === 'string') return mistake('bootstrap', parsed);
  const until = parsed.values.until === undefined ? undefined : parseTime(parsed.values.until, now);
  if (until === null) return mistake('bootstrap', `--until "${parsed.values.until}" is neither an ISO date nor an offset like -3d`);
  if (until !== undefined && until > now) return mistake('bootstrap', '--until is in the future');
  return { ok: true, args: { dryRun: parsed.values['dry-run'] === true, until } };
}

export function parseStatusArgs(argv: string[]): Parsed<{ json: boolean }> {
  if (argv.some((a) => HELP.includes(a))) return help('status');
  const parsed = attempt(() => parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } } }));
  if (typeof parsed === 'string') return mistake('status', parsed);
  return { ok: true, args: { json: parsed.values.json === true } };
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
  const parsers: Record<CommandName, (argv: string[]) => Parsed<unknown>> = {
    run: parseRunArgs,
    bootstrap: parseBootstrapArgs,
    status: parseStatusArgs,
    fetch: (a) => parseFetchArgs(a),
    keys: parseKeysArgs,
  };
  const parsed = parsers[command](argv);
  return parsed.ok ? undefined : parsed;
}
