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
    for (const ts of at) {
      const offset = ((ts % 100) + 50) % 100 - 50;
      expect(Math.abs(offset), `tick at ${ts} is near a period boundary`).toBeLessThan(40);
    }
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!, 'no double tick').toBeGreaterThan(60);
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
