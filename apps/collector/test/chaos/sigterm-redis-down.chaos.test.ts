import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startPrivateRedis, type PrivateRedis } from '@marketpipe/testkit';
import { createClient as createLibsql, type Client, type Transaction } from '@libsql/client';
import { CollectorProcess, MINUTE, SYMBOLS, barKey, collectorEnv, holes, iso, readHistory, windowReader, type LogLine } from './chaos-kit';

/**
 * The shutdown contract: stopWithin spends at most SHUTDOWN_TIMEOUT_MS (4.5 s), so the process
 * is gone within 5 s of SIGTERM whatever is unreachable, and its last log line says what could
 * not be written. Measured from the signal to the child's 'exit', i.e. including whatever the
 * event loop still holds after the stop (handles a graceful stop forgot to close).
 */
const EXIT_WITHIN_MS = 5_000;
const STOPPED = /^collector stopped(: (\d+) final bars could not be written)?/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  cleanup = [];
});

/** A private Redis, a temp libSQL file, and a collector process on them, started and live for a few cycles. */
async function running(): Promise<{ redis: PrivateRedis; dbUrl: string; prefix: string; proc: CollectorProcess }> {
  const redis = await startPrivateRedis();
  const dir = mkdtempSync(join(tmpdir(), 'marketpipe-chaos-'));
  const dbUrl = `file:${join(dir, 'history.db')}`;
  const prefix = `chaos:${randomUUID().slice(0, 8)}:`;
  const proc = new CollectorProcess(collectorEnv({ redisUrl: redis.url, prefix, dbUrl }));
  cleanup.push(
    () => redis.stop(),
    async () => rmSync(dir, { recursive: true, force: true }),
    async () => void (proc.exit ?? (await proc.kill('SIGKILL'))),
  );
  await proc.waitForLog('collector started', 30_000);
  await sleep(2_500); // a couple of live cycles, at least one periodic flush
  return { redis, dbUrl, prefix, proc };
}

/** SIGTERM, then how long until the process was gone, and its last log line. */
async function terminate(proc: CollectorProcess): Promise<{ ms: number; code: number | null; last: LogLine | undefined }> {
  const t0 = Date.now();
  proc.child.kill('SIGTERM');
  const exit = await Promise.race([proc.exited, sleep(EXIT_WITHIN_MS + 5_000).then(() => null)]);
  if (!exit) throw new Error(`still running ${EXIT_WITHIN_MS + 5_000} ms after SIGTERM:\n${proc.output}`);
  return { ms: exit.at - t0, code: exit.code, last: proc.logs.at(-1) };
}

/** How long the process stayed alive after its last log line (handles left open after the stop). */
const lingered = (proc: CollectorProcess, last: LogLine | undefined) => `${(proc.exit?.at ?? 0) - (last?.time ?? 0)} ms after its last line`;

describe('collector process: SIGTERM with a dependency gone', () => {
  it('exits within 5 s with Redis stopped, and history holds what the window held and more', { timeout: 60_000 }, async () => {
    const { redis, dbUrl, prefix, proc } = await running();
    const reader = await windowReader(redis.url, prefix);
    const before = await reader.finals();
    await reader.close();
    await redis.stop();
    await sleep(2_000); // the collector notices (a failed write or the client's error event) and collects on
    expect(proc.find(/^redis unreachable/), `the collector saw the outage:\n${proc.output}`).toBeDefined();

    const { ms, code, last } = await terminate(proc);
    console.log(`[chaos] SIGTERM with Redis down: exited in ${ms} ms, code ${code}, ${lingered(proc, last)}; last line: ${JSON.stringify(last)}`);
    expect(ms, proc.output).toBeLessThan(EXIT_WITHIN_MS);
    expect(code, proc.output).toBe(0);
    expect(last?.msg, proc.output).toMatch(STOPPED);
    expect(last?.redis).toBe('down');
    expect(last?.unwritten ?? 0, 'the database was fine: nothing left unwritten').toBe(0);

    // History is the record: every bar the window held before the outage, same values, and the
    // minutes collected while Redis was gone (2 s at 600x is ~20 simulated minutes).
    const history = await readHistory(dbUrl);
    for (const symbol of SYMBOLS) {
      const inRedis = before.get(symbol) ?? [];
      const inHistory = history.get(symbol) ?? [];
      const byKey = new Map(inHistory.map((b) => [barKey(b), b]));
      const missing = inRedis.filter((b) => !isDeepStrictEqual(byKey.get(barKey(b)), b)).map((b) => iso(b.ts));
      expect(missing, `${symbol}: bars the window held that history lacks or has otherwise`).toEqual([]);
      const redisLast = inRedis.at(-1)?.ts ?? 0;
      const historyLast = inHistory.at(-1)?.ts ?? 0;
      expect(inRedis.length, `${symbol} had bars in the window`).toBeGreaterThan(0);
      expect(historyLast - redisLast, `${symbol}: minutes collected into history during the outage`).toBeGreaterThanOrEqual(5 * MINUTE);
      expect(holes(symbol, inHistory).map(iso), `${symbol}: in-session holes`).toEqual([]);
    }
  });

  it('exits within 5 s while another connection holds the database write lock, reporting the unwritten bars', { timeout: 60_000 }, async () => {
    const { dbUrl, proc } = await running();
    // @libsql/client 0.18 pools connections and rolls back a bare `execute('BEGIN EXCLUSIVE')`
    // when it hands the connection back, so the lock is held through an interactive transaction:
    // 'write' is BEGIN IMMEDIATE, which in WAL mode takes the same write lock as EXCLUSIVE.
    const lock: Client = createLibsql({ url: dbUrl });
    cleanup.push(async () => lock.close());
    let tx: Transaction | undefined;
    // The collector may be mid-flush: take the write lock as soon as it is free.
    for (let tries = 0; !tx; tries++) {
      try {
        tx = await lock.transaction('write');
      } catch (error) {
        if (tries > 50 || !/busy|locked/i.test(String(error))) throw error;
        await sleep(20);
      }
    }
    cleanup.push(async () => tx.rollback());
    const lockedAt = Date.now();
    await sleep(1_500); // new final bars pile up in the buffer; the periodic flush runs into the lock

    const { ms, code, last } = await terminate(proc);
    console.log(`[chaos] SIGTERM with the database locked for ${Date.now() - lockedAt} ms: exited in ${ms} ms, code ${code}, ${lingered(proc, last)}; last line: ${JSON.stringify(last)}`);
    expect(ms, proc.output).toBeLessThan(EXIT_WITHIN_MS);
    expect(code, proc.output).toBe(0);
    const unwritten = Number(STOPPED.exec(last?.msg ?? '')?.[2] ?? 0);
    expect(last?.level, `an error-level line:\n${proc.output}`).toBe(50);
    expect(unwritten, `the last line counts the bars left unwritten:\n${proc.output}`).toBeGreaterThan(0);
    expect(last?.unwritten).toBe(unwritten);
    expect(last?.redis).toBe('up');

    await tx.rollback();
    // The lock released, the file is intact and holds what was flushed before it was taken.
    const history = await readHistory(dbUrl);
    for (const symbol of SYMBOLS) expect((history.get(symbol) ?? []).length, symbol).toBeGreaterThanOrEqual(120);
  });
});
