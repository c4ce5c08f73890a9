import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually, freePort } from '@marketpipe/testkit';
import { startCollector, type RunningCollector } from '../../src/collector';
import { silentLogger, testConfig } from '../helpers';

const OPS = fileURLToPath(new URL('../../../../ops/', import.meta.url));
const ALERTS = [...readFileSync(`${OPS}alerts.yml`, 'utf8').matchAll(/^\s+- alert: (\w+)/gm)].map((m) => m[1]!);

/** ops/prometheus.yml as shipped, aimed at this test's collector and scraping every second. */
function promConfig(collectorPort: number): string {
  const shipped = readFileSync(`${OPS}prometheus.yml`, 'utf8');
  const config = shipped
    .replace("targets: ['127.0.0.1:9464']", `targets: ['127.0.0.1:${collectorPort}']`)
    .replace('scrape_interval: 15s', 'scrape_interval: 1s')
    .replace('evaluation_interval: 15s', 'evaluation_interval: 1s');
  expect(config.match(/127\.0\.0\.1:\d+|: 1s/g), 'the shipped config changed shape: update this test').toHaveLength(3);
  return config;
}

interface PromAnswer<T> {
  status: string;
  data: T;
}

/**
 * Issue "Operations": the real Prometheus (Debian's 2.42) scrapes a collector started in
 * process, with the shipped config and alert rules.
 */
describe('Prometheus scrapes the collector with ops/prometheus.yml and loads ops/alerts.yml', () => {
  let collector: RunningCollector;
  let prometheus: ChildProcess;
  let exited: Promise<unknown>;
  let promUrl: string;
  let dir: string;
  let promLog = '';
  let startedAt = 0;
  const running = () => prometheus && prometheus.exitCode === null && prometheus.signalCode === null;

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${promUrl}${path}`);
    const body = (await res.json()) as PromAnswer<T>;
    expect(body.status, JSON.stringify(body)).toBe('success');
    return body.data;
  };
  const query = (q: string) => api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`/api/v1/query?query=${encodeURIComponent(q)}`);

  beforeAll(async () => {
    const port = await freePort();
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    collector = await startCollector(testConfig(inject('redisUrl'), { COLLECTOR_PORT: String(port), BACKFILL_HOURS: '1' }), {
      logger: silentLogger(),
      healthServer: true,
    });
    dir = mkdtempSync(join(tmpdir(), 'marketpipe-prometheus-'));
    writeFileSync(join(dir, 'prometheus.yml'), promConfig(port));
    writeFileSync(join(dir, 'alerts.yml'), readFileSync(`${OPS}alerts.yml`));
    startedAt = Date.now();
    prometheus = spawn(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr!.on('data', (chunk: Buffer) => void (promLog = (promLog + chunk.toString()).slice(-4_000)));
    exited = new Promise((resolve) => prometheus.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      prometheus.once('spawn', resolve);
      prometheus.once('error', (e) => reject(new Error(`cannot start prometheus (apt-get install prometheus): ${e.message}`)));
    });
  });

  afterAll(async () => {
    if (running()) {
      prometheus.kill('SIGTERM');
      const killer = setTimeout(() => prometheus.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    await collector?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores marketpipe series scraped from /metrics, and evaluates every alert rule', async () => {
    const cycles = await eventually(
      async () => {
        expect(running(), promLog).toBe(true);
        const { result } = await query('marketpipe_cycles_total');
        expect(result.length).toBe(1);
        return result[0]!;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const firstSeriesMs = Date.now() - startedAt;
    expect(cycles.metric).toMatchObject({ job: 'marketpipe-collector' });

    const names = (await api<string[]>('/api/v1/label/__name__/values')).filter((n) => n.startsWith('marketpipe_'));
    for (const name of [
      'marketpipe_cycles_total',
      'marketpipe_cycle_seconds_bucket',
      'marketpipe_provider_requests_total',
      'marketpipe_provider_request_seconds_bucket',
      'marketpipe_rejects_total',
      'marketpipe_bars_final_total',
      'marketpipe_data_age_seconds',
      'marketpipe_market_open',
      'marketpipe_signal_latency_seconds_bucket',
      'marketpipe_redis_up',
      'marketpipe_history_pending_bars',
      'marketpipe_history_flush_seconds_bucket',
      'marketpipe_provider_breaker_open',
    ]) {
      expect(names, name).toContain(name);
    }
    // Labelled counters exist at 0 before their first event: a reject reason the sim never produces.
    const spikes = await query('marketpipe_rejects_total{provider="sim",reason="spike_suspect"}');
    expect(spikes.result.map((r) => r.value[1])).toEqual(['0']);
    const symbols = (await query('marketpipe_data_age_seconds')).result.map((r) => r.metric.symbol).sort();
    expect(symbols).toEqual([...collector.config.SYMBOLS].sort());
    expect((await query('up{job="marketpipe-collector"}')).result.map((r) => r.value[1])).toEqual(['1']);

    const rules = await eventually(
      async () => {
        const data = await api<{ groups: Array<{ rules: Array<{ name: string; type: string; health: string; lastError?: string }> }> }>('/api/v1/rules');
        const all = data.groups.flatMap((g) => g.rules);
        for (const r of all) expect(r.health, `${r.name}: ${r.lastError ?? ''}`).toBe('ok');
        return all;
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    expect(rules.map((r) => r.name).sort()).toEqual([...ALERTS].sort());
    expect(rules.every((r) => r.type === 'alerting')).toBe(true);
    const firing = (await query('ALERTS{alertstate="firing"}')).result.map((r) => r.metric.alertname);
    expect(firing, 'a healthy collector fires nothing').toEqual([]);

    console.info(
      `prometheus: first marketpipe series ${firstSeriesMs} ms after its start; ${names.length} marketpipe metric names: ${names.join(', ')}; ` +
        `${rules.length} alert rules healthy after ${Date.now() - startedAt} ms`,
    );
  });

  it('stops prometheus, leaving no process behind', async () => {
    prometheus.kill('SIGTERM');
    await exited;
    expect(running()).toBe(false);
    expect(() => process.kill(prometheus.pid!, 0), 'no such process any more').toThrow();
  });
});
