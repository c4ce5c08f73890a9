import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '@marketpipe/testkit';
import { startCollector, type RunningCollector } from '../../src/collector';
import { startFakeProviders, type FakeProviders } from '../fakes';
import { failoverConfig } from '../helpers';
import { capturingLogger, type LogLine } from '../log-capture';

const OUTAGE_MS = 10_000;

/**
 * Issue "Operations": one log line per state change. Yahoo (primary) dies for 10 s under the
 * real 1-second loop: the lines it causes are a few per transition (fail-over, breaker, back),
 * not one per cycle or per request, and none carries a stack.
 */
describe('log lines during a provider outage', () => {
  let fakes: FakeProviders;
  let collector: RunningCollector;
  const log = capturingLogger('info');
  const servedBy = async (provider: string) => {
    for (const s of collector.specs) expect((await collector.window.forming(s.symbol))?.source, s.symbol).toBe(provider);
  };

  beforeAll(async () => {
    fakes = await startFakeProviders();
    const config = failoverConfig(inject('redisUrl'), fakes.env);
    collector = await startCollector(config, { logger: log.logger, healthServer: false });
  });
  afterAll(async () => {
    await collector?.stop();
    await fakes?.stop();
  });

  it('logs the fail-over and the return once per symbol, and a bounded number of lines in between', async () => {
    await eventually(() => servedBy('yahoo'), { timeoutMs: 10_000 });
    const before = log.lines.length;
    const cyclesBefore = (await collector.metrics.cycles.get()).values[0]!.value;

    await fakes.kill('yahoo');
    await eventually(() => servedBy('twelvedata'), { timeoutMs: 10_000, intervalMs: 200 });
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await fakes.restore('yahoo');
    await eventually(() => expect(log.find('provider failback')).toHaveLength(3), { timeoutMs: 30_000, intervalMs: 200 });
    // a failback is logged as the answer arrives, its bar lands in Redis with the cycle's write
    await eventually(() => servedBy('yahoo'), { timeoutMs: 5_000, intervalMs: 100 });

    const lines = log.lines.slice(before);
    const cycles = (await collector.metrics.cycles.get()).values[0]!.value - cyclesBefore;
    const byMsg = new Map<string, number>();
    for (const l of lines) byMsg.set(l.msg, (byMsg.get(l.msg) ?? 0) + 1);
    console.info(`${lines.length} log lines over ${cycles} cycles of a ${OUTAGE_MS / 1000} s Yahoo outage: ${JSON.stringify(Object.fromEntries(byMsg))}`);

    const moves = (msg: string) => log.find(msg).map((l: LogLine) => `${String(l.symbol)}:${String(l.from)}→${String(l.to)}`).sort();
    expect(moves('provider failover')).toEqual(['EURUSD:yahoo→twelvedata', 'NAS100:yahoo→twelvedata', 'XAUUSD:yahoo→twelvedata']);
    expect(moves('provider failback')).toEqual(['EURUSD:twelvedata→yahoo', 'NAS100:twelvedata→yahoo', 'XAUUSD:twelvedata→yahoo']);
    for (const l of log.find('provider failover')) expect(String(l.reason)).toMatch(/^provider_error: /);

    // Nothing but transitions: Yahoo failing and answering again, each symbol moving away and
    // back, and the breaker: open, then per probe (2 s backoff, doubling) half-open and open or closed.
    const probes = byMsg.get('circuit breaker half_open') ?? 0;
    expect(probes).toBeGreaterThanOrEqual(1);
    // The probe delays (cockatiel's decorrelated jitter) add up to about 1.4 s × 2^n after n
    // probes, so a 10–20 s outage sees 4 or 5; one per cycle would be 10 or more.
    expect(probes).toBeLessThanOrEqual(6);
    expect(Object.fromEntries(byMsg)).toEqual({
      'provider requests failing': 1,
      'provider answering again': 1,
      'provider failover': 3,
      'provider failback': 3,
      'circuit breaker open': probes,
      'circuit breaker half_open': probes,
      'circuit breaker closed': 1,
    });
    expect(lines.length, 'not one per cycle and symbol').toBeLessThan(cycles * collector.specs.length);
    expect(lines.filter((l) => JSON.stringify(l).includes('"stack"')), 'no stack for an expected outage').toEqual([]);
  });

  it('shows the quota the fail-over spent', async () => {
    const text = await collector.metrics.registry.getSingleMetricAsString('marketpipe_provider_quota_remaining');
    const day = /marketpipe_provider_quota_remaining\{provider="twelvedata",window="day"\} (\d+)/.exec(text);
    expect(Number(day?.[1]), text).toBeLessThan(800);
    expect(text).toMatch(/provider="yahoo",window="minute"/);
  });
});
