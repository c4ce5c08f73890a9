import { PROVIDER_NAMES, SymbolRegistry, systemClock, validateBars, type Bar, type ProviderName, type Reject, type SymbolSpec } from '@marketpipe/core';
import type { BarFetcher } from '../providers/types';
import { ProviderError } from '../providers/types';
import { parseFetchArgs } from './usage';

export interface FetchIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  specs?: readonly SymbolSpec[];
}

function table(bars: readonly Bar[]): string {
  const head = ['ts (UTC)', 'open', 'high', 'low', 'close', 'volume', 'final'];
  const rows = bars.map((b) => [
    new Date(b.ts).toISOString().slice(0, 16).replace('T', ' '),
    String(b.open),
    String(b.high),
    String(b.low),
    String(b.close),
    String(b.volume),
    b.final ? 'yes' : 'forming',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

const isoOf = (ts: number) => new Date(ts).toISOString();

function outsideLine(b: Bar, range: { from: number; to: number }): string {
  const where = b.ts < range.from ? `before --from ${isoOf(range.from)}` : `after --to ${isoOf(range.to)}`;
  return `left out out_of_range ${b.symbol} ${isoOf(b.ts)}: ${where}\n`;
}

function rejectLine(r: Reject): string {
  const at = r.ts === undefined || Number.isNaN(r.ts) ? '' : ` ${new Date(r.ts).toISOString()}`;
  return `reject ${r.reason} ${r.symbol}${at}: ${r.detail}\n`;
}

/**
 * `marketpipe fetch --provider NAME --symbol SYM [--json] [--from T] [--to T]`: one request to
 * one provider for [from, to] (default the last 4 days), every valid bar printed (one Bar per
 * line as JSON with --json); every bar left out is named on stderr with why (out of the range,
 * or rejected with its reason code). Symbols come from SYMBOLS_FILE when set. Exit 0 when bars
 * were printed, 1 when none were (or the provider failed), 2 on bad usage.
 */
export async function fetchCommand(argv: string[], env: Record<string, string | undefined>, io: FetchIo = process): Promise<number> {
  const parsed = parseFetchArgs(argv);
  if (!parsed.ok) {
    (parsed.help ? io.stdout : io.stderr).write(parsed.message);
    return parsed.help ? 0 : 2;
  }
  const { provider, symbol, json, from, to } = parsed.args;
  if (!isProvider(provider)) {
    io.stderr.write(`--provider: "${provider}" is not a provider (known: ${PROVIDER_NAMES.join(', ')})\n`);
    return 2;
  }
  const { readSymbolSpecs } = await import('../symbol-specs');
  const registry = new SymbolRegistry(io.specs ?? readSymbolSpecs(env.SYMBOLS_FILE));
  const spec = registry.get(symbol);
  if (!spec) {
    const known = registry.specs.map((s) => s.symbol);
    io.stderr.write(`--symbol: "${symbol}" is not a known symbol (known: ${known.join(', ')}, or a broker alias of one)\n`);
    return 2;
  }
  // Loaded once the flags are known to be good, so that a mistyped flag answers at once.
  const [{ loadConfig }, { createFetchers }, { SimFetcher }] = await Promise.all([
    import('../config'),
    import('../providers/factory'),
    import('../providers/sim/sim-fetcher'),
  ]);
  // --provider stands in for PROVIDERS; a bad value elsewhere in the environment is named by its variable
  const config = loadConfig({ ...env, PROVIDERS: provider });
  const fetcher: BarFetcher | undefined =
    provider === 'sim' ? new SimFetcher({ seed: config.SIM_SEED, clock: systemClock }) : createFetchers({ ...config, PROVIDER_TIMEOUT_MS: config.HISTORY_TIMEOUT_MS })[0];
  if (!fetcher) {
    io.stderr.write(`--provider: ${provider} needs its key: set ${provider.toUpperCase()}_API_KEY\n`);
    return 2;
  }
  if (!fetcher.supports(spec)) {
    io.stderr.write(`${provider} has no symbol mapping for ${spec.symbol}\n`);
    return 2;
  }
  try {
    const result = await fetcher.fetchBars(spec, { from, to });
    const { accepted, rejects } = validateBars(result.bars, { now: Date.now() });
    for (const b of result.outside ?? []) io.stderr.write(outsideLine(b, { from, to }));
    for (const r of [...result.rejects, ...rejects]) io.stderr.write(rejectLine(r));
    if (accepted.length === 0) {
      io.stderr.write(`no bars from ${provider} for ${spec.symbol} between ${isoOf(from)} and ${isoOf(to)}\n`);
      return 1;
    }
    if (json) for (const b of accepted) io.stdout.write(`${JSON.stringify(b)}\n`);
    else io.stdout.write(table(accepted));
    return 0;
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    io.stderr.write(`reject ${error.code} ${spec.symbol}: ${error.message}\n`);
    return 1;
  } finally {
    await fetcher.close?.();
  }
}

const isProvider = (name: string): name is ProviderName => (PROVIDER_NAMES as readonly string[]).includes(name);
