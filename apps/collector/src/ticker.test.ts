import { describe, expect, it } from 'vitest';
import { Ticker } from './ticker';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Ticker', () => {
  it('ticks on period boundaries', async () => {
    const at: number[] = [];
    const t = new Ticker(async () => void at.push(Date.now()), () => undefined, 100);
    t.start();
    await sleep(550);
    await t.stop();
    expect(at.length).toBeGreaterThanOrEqual(4);
    // A loaded machine may run one timer late; the typical tick must sit on a boundary.
    const offsets = at.map((ts) => Math.abs((((ts % 100) + 50) % 100) - 50)).sort((a, b) => a - b);
    expect(offsets[Math.floor(offsets.length / 2)], `ticks at ${at.map((t) => t % 1000)} are near period boundaries`).toBeLessThan(25);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!, 'no double tick (a tick at most a few ms after the previous)').toBeGreaterThan(20);
  });

  it('never runs two cycles at once and counts the skipped ticks', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let overruns = 0;
    const t = new Ticker(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(250);
        running--;
        runs++;
      },
      () => overruns++,
      100,
    );
    t.start();
    await sleep(1_050);
    await t.stop();
    expect(maxRunning).toBe(1);
    expect(overruns).toBeGreaterThanOrEqual(4);
    expect(runs + overruns).toBeGreaterThanOrEqual(9);
  });

  it('waits for the cycle in flight on stop', async () => {
    let finished = false;
    const t = new Ticker(async () => {
      await sleep(200);
      finished = true;
    }, () => undefined, 50);
    t.start();
    await sleep(80);
    await t.stop();
    expect(finished).toBe(true);
  });
});
