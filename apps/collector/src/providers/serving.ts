import type { ProviderName } from '@marketpipe/core';
import type { Logger } from '../logger';
import type { ProviderFailure } from './provider-entry';

interface Serving {
  /** null: every provider failed the symbol's last poll */
  provider: ProviderName | null;
  /** providers this symbol failed over away from and has not come back to */
  left: Set<ProviderName>;
}

/**
 * Which provider serves each symbol, with one log line per change an operator cares about:
 * a fail-over away from a provider that failed (with its reason), the return to it, and a
 * symbol no provider could serve. A change caused only by quota pacing (the serving provider
 * not due yet while another answers) is logged at debug: with scarce quotas that happens every
 * few polls and says nothing about anyone's health.
 */
export class ServingLog {
  readonly #symbols = new Map<string, Serving>();

  constructor(private readonly logger: Logger) {}

  served(symbol: string, provider: ProviderName, failures: readonly ProviderFailure[]): void {
    const s = this.#symbols.get(symbol);
    if (!s) return void this.#symbols.set(symbol, { provider, left: new Set() });
    const from = s.provider;
    if (from === provider) return;
    s.provider = provider;
    const failed = failures.find((f) => f.provider === from && !f.paced);
    if (from !== null && failed) {
      s.left.add(from);
      this.logger.info({ symbol, from, to: provider, reason: `${failed.code}: ${failed.detail}` }, 'provider failover');
    } else if (from === null || s.left.delete(provider)) {
      this.logger.info({ symbol, from, to: provider, reason: `${provider} answers again` }, 'provider failback');
    } else {
      this.logger.debug({ symbol, from, to: provider, reason: 'quota pacing' }, 'serving provider changed');
    }
  }

  /** No provider answered; a state change only when none was merely waiting for its pacing. */
  unserved(symbol: string, failures: readonly ProviderFailure[]): void {
    if (failures.length === 0 || failures.some((f) => f.paced)) return;
    const s = this.#symbols.get(symbol) ?? { provider: null, left: new Set<ProviderName>() };
    const from = this.#symbols.has(symbol) ? s.provider : undefined;
    this.#symbols.set(symbol, s);
    if (from === null) return;
    if (from) s.left.add(from);
    s.provider = null;
    this.logger.warn({ symbol, from, reasons: failures.map((f) => `${f.provider}: ${f.code}: ${f.detail}`) }, 'no provider serves symbol');
  }
}
