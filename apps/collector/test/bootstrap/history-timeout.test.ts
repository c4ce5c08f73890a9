import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { runBootstrap } from '../../src/bootstrap/bootstrap';
import { startHistoryFake, type HistoryFake } from './history-fake';

/**
 * A history page slower than the live poll's PROVIDER_TIMEOUT_MS is still within
 * HISTORY_TIMEOUT_MS: the bootstrap's requests get the history deadline (multi-MB pages were
 * timing out under load at the live 4 s).
 */
let fake: HistoryFake;
const dir = mkdtempSync(join(tmpdir(), 'bootstrap-timeout-'));
beforeAll(async () => {
  fake = await startHistoryFake({ delayMs: 600 });
});
afterAll(() => fake.stop());

describe('bootstrap request deadline', () => {
  it('waits HISTORY_TIMEOUT_MS for a page, not PROVIDER_TIMEOUT_MS', async () => {
    const config = loadConfig({
      PROVIDERS: 'twelvedata',
      SYMBOLS: 'EURUSD',
      TWELVEDATA_BASE_URL: fake.url,
      TWELVEDATA_API_KEY: 'td-test-key-0004',
      TWELVEDATA_PER_MIN: '100000',
      TWELVEDATA_PER_DAY: '1000000',
      PROVIDER_TIMEOUT_MS: '200',
      HISTORY_TIMEOUT_MS: '10000',
      RETENTION_DAYS: '1',
      DATABASE_URL: `file:${join(dir, 'h.db')}`,
      REDIS_URL: inject('redisUrl'),
      REDIS_PREFIX: 'bootstrap-timeout:',
      LOG_LEVEL: 'warn',
    });
    const report = await runBootstrap(config, { logger: createLogger('warn'), out: { write: () => true }, tty: false, until: Date.parse('2026-11-19T12:00:00Z') });
    expect(report.outcomes[0]?.failed).toBeUndefined();
    expect(report.bars).toBe(1_440);
    expect(fake.requests).toHaveLength(1);
  });
});
