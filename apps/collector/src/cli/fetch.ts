import { parseArgs } from 'node:util';
import { DEFAULT_SYMBOL_SPECS, SymbolRegistry, systemClock, validateBars, type Bar, type Reject, type SymbolSpec } from '@marketpipe/core';
import { loadConfig } from '../config';
import { createFetchers } from '../providers/factory';
import { SimFetcher } from '../sim/sim-fetcher';
import type { BarFetcher } from '../providers/types';
import { ProviderError } from '../providers/types';

export interface FetchIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  specs?: readonly SymbolSpec[];
}

const USAGE = 'usage: marketpipe fetch --provider NAME --symbol SYM [--json]\n';
/** Long enough to reach the last session across a weekend, short enough for Yahoo's 1m limit. */
const LOOKBACK_MS = 4 * 86_400_000;

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

function rejectLine(r: Reject): string {
  const at = r.ts === undefined || Number.isNaN(r.ts) ? '' : ` ${new Date(r.ts).toISOString()}`;
  return `reject ${r.reason} ${r.symbol}${at}: ${r.detail}\n`;
}

/**
 * `marketpipe fetch --provider NAME --symbol SYM [--json]`: one request to one provider,
 * every valid bar printed however old (one Bar per line as JSON with --json), rejects with
 * their reason codes on stderr. Exit 0 on an answer, 1 on a provider failure, 2 on bad usage.
 */
export async function fetchCommand(argv: string[], env: Record<string, string | undefined>, io: FetchIo = process): Promise<number> {
  let values: { provider?: string; symbol?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { provider: { type: 'string' }, symbol: { type: 'string' }, json: { type: 'boolean', default: false } },
      strict: true,
    }));
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!values.provider || !values.symbol) {
    io.stderr.write(USAGE);
    return 2;
  }
  const config = loadConfig({ ...env, PROVIDERS: values.provider });
  const spec = new SymbolRegistry(io.specs ?? DEFAULT_SYMBOL_SPECS).get(values.symbol);
  if (!spec) {
    io.stderr.write(`unknown symbol "${values.symbol}"\n`);
    return 2;
  }
  const fetcher: BarFetcher | undefined =
    values.provider === 'sim' ? new SimFetcher({ seed: config.SIM_SEED, clock: systemClock }) : createFetchers(config)[0];
  if (!fetcher) {
    io.stderr.write(`provider "${values.provider}" is not available: it needs its *_API_KEY\n`);
    return 2;
  }
  if (!fetcher.supports(spec)) {
    io.stderr.write(`${values.provider} has no symbol mapping for ${spec.symbol}\n`);
    return 2;
  }
  const now = Date.now();
  try {
    const result = await fetcher.fetchBars(spec, { from: now - LOOKBACK_MS, to: now });
    const { accepted, rejects } = validateBars(result.bars, { now });
    for (const r of [...result.rejects, ...rejects]) io.stderr.write(rejectLine(r));
    if (values.json) for (const b of accepted) io.stdout.write(`${JSON.stringify(b)}\n`);
    else io.stdout.write(accepted.length > 0 ? table(accepted) : `no bars from ${values.provider} for ${spec.symbol}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    io.stderr.write(`reject ${error.code} ${spec.symbol}: ${error.message}\n`);
    return 1;
  } finally {
    await fetcher.close?.();
  }
}
