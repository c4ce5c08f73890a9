import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SYMBOL_SPECS } from '@marketpipe/core';
import { parseTime } from '../../src/cli/usage';
import { BIN } from '../cli/run-bin';
import { fetchAgainstFakes } from './fetch-kit';

const kit = fetchAgainstFakes();
const { run } = kit;

describe('marketpipe fetch --from/--to', () => {
  it('reads ISO times and -3d-style offsets', () => {
    const now = Date.UTC(2026, 0, 10, 12);
    expect(parseTime('-3d', now)).toBe(now - 3 * 86_400_000);
    expect(parseTime('-90m', now)).toBe(now - 90 * 60_000);
    expect(parseTime('2026-01-05', now)).toBe(Date.UTC(2026, 0, 5));
    expect(parseTime('2026-01-05T14:30:00Z', now)).toBe(Date.UTC(2026, 0, 5, 14, 30));
    for (const bad of ['yesterday', '3d', '-3y', '']) expect(parseTime(bad, now)).toBeNull();
  });

  it('names every bar it left out and why; prints only the range asked for', async () => {
    // The fake Twelve Data answers with the latest `outputsize` minutes whatever the dates: the newest fall after --to.
    const { code, stdout, stderr } = await run(['--provider', 'twelvedata', '--symbol', 'EURUSD', '--json', '--from', '-30m', '--to', '-10m']);
    expect(code).toBe(0);
    const printed = stdout.trim().split('\n').map((l) => JSON.parse(l) as { ts: number });
    const leftOut = stderr.split('\n').filter((l) => l.startsWith('left out out_of_range EURUSD'));
    expect(printed.length).toBeGreaterThan(5);
    expect(leftOut.length).toBeGreaterThan(5);
    expect(leftOut.every((l) => l.includes('after --to'))).toBe(true);
    const to = Date.now() - 10 * 60_000;
    expect(printed.every((b) => b.ts <= to)).toBe(true);
  });

  it('exits 1 with the reason on stderr when nothing is left to print', async () => {
    const { code, stdout, stderr } = await run(['--provider', 'twelvedata', '--symbol', 'EURUSD', '--from', '-3h', '--to', '-2h']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^left out out_of_range EURUSD/m);
    expect(stderr).toMatch(/^no bars from twelvedata for EURUSD between /m);
    expect((await run(['--provider', 'yahoo', '--symbol', 'EURUSD', '--from', 'yesterday'])).code).toBe(2);
    expect((await run(['--provider', 'yahoo', '--symbol', 'EURUSD', '--from', '-1d', '--to', '-2d'])).code).toBe(2);
  });

  it('finds symbols in SYMBOLS_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fetch-specs-'));
    const file = join(dir, 'specs.json');
    writeFileSync(file, JSON.stringify([{ ...DEFAULT_SYMBOL_SPECS[0], symbol: 'TSLA', brokers: {} }]));
    expect((await run(['--provider', 'yahoo', '--symbol', 'TSLA'])).code, 'not a built-in symbol').toBe(2);
    const { code, stdout } = await run(['--provider', 'yahoo', '--symbol', 'TSLA', '--json'], { SYMBOLS_FILE: file });
    expect(code).toBe(0);
    expect(JSON.parse(stdout.split('\n')[0]!)).toMatchObject({ symbol: 'TSLA', source: 'yahoo' });
  });

  it('stops quietly when its reader goes away (| head)', async () => {
    const child = spawn(process.execPath, [BIN, 'fetch', '--provider', 'sim', '--symbol', 'XAUUSD', '--json', '--from', '-30d'], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });
});
