import type {} from 'vitest';
import type { Bar, Features, Signal } from '@marketpipe/core';

/** What test/node/interval-fixture.ts wrote by hand: EURUSD's 5m data. */
export interface IntervalFixture {
  /** oldest first, the forming one last */
  bars5m: Bar[];
  features5m: Features;
  signal5m: Signal;
}

/** What the Node-side global setup hands to the tests running in workerd. */
declare module 'vitest' {
  export interface ProvidedContext {
    bridgeUrl: string;
    bridgeToken: string;
    /** keys written by the real collector (sim provider), which keeps ticking during the run */
    prefix: string;
    /** a prefix nothing writes to: no symbols, no heartbeat */
    emptyPrefix: string;
    apiKey: string;
    revokedKey: string;
    /** final bars of EURUSD as the collector stored them, read back over TCP at setup */
    collectorBars: Bar[];
    /** final 5m bars of EURUSD the collector resampled (FEATURE_INTERVALS=1m,5m), read back over TCP at setup */
    collectorBars5m: Bar[];
    /** a prefix holding hand-written 1m and 5m features and signals and 5m bars of EURUSD, nothing of other intervals */
    intervalPrefix: string;
    intervalFixture: IntervalFixture;
    /** a prefix holding hand-written features and a signal for EURUSD (msgpack, as the collector writes them) */
    fixturePrefix: string;
    fixtureFeatures: Features;
    fixtureSignal: Signal;
    /** an HTTP address that accepts connections and never answers: a hung REST endpoint */
    silentUrl: string;
  }
}
