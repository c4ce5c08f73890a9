/// <reference lib="dom" />
// (the functions given to page.evaluate / waitForFunction run in the page)
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveStack, type LiveStack } from '../stream/stack';

/**
 * The dashboard in a real browser (Debian's chromium, driven by playwright-core) against the
 * pieces `npm run demo` runs: the collector on the sim feed at real-time speed, Redis, the
 * bridge and the Worker serving the page and the stream, with API_AUTH=optional as in the demo.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));

let stack: LiveStack;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const chartShot = () => page.locator('#chart').screenshot();
const text = (selector: string) => page.locator(selector).innerText();

/** Waits until `read` gives something other than `before`; returns it (or the last read). */
async function changes(read: () => Promise<string>, before: string, withinMs: number): Promise<string> {
  const deadline = Date.now() + withinMs;
  let now = await read();
  while (now === before && Date.now() < deadline) {
    await sleep(100);
    now = await read();
  }
  return now;
}

/** How many distinct colours the chart's canvases hold: an empty chart has only its background. */
const canvasColours = () =>
  page.evaluate(() => {
    const colours = new Set<number>();
    for (const canvas of document.querySelectorAll<HTMLCanvasElement>('#chart canvas')) {
      if (canvas.width === 0 || canvas.height === 0) continue;
      const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; data && i < data.length; i += 16) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    }
    return { canvases: document.querySelectorAll('#chart canvas').length, colours: colours.size, hasGreen: colours.has(0x26a69a), hasRed: colours.has(0xef5350) };
  });

beforeAll(async () => {
  // Eight hours of history: the EMA 200 is warm, so there are signals and markers to show.
  stack = await startLiveStack({ apiAuth: 'optional', simSpeed: 1, backfillHours: 8 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the dashboard at /', () => {
  it('draws a live chart of the selected symbol, fed by the stream', async () => {
    // NAS100: quoted in hundredths of a point, it moves every second even at real-time speed
    // (EURUSD and XAUUSD can sit on one quote for several seconds).
    await page.goto(`${stack.worker.url}/#NAS100/1m`);
    await page.waitForFunction(() => document.getElementById('feed')?.textContent === 'stream', undefined, { timeout: 15_000 });
    await page.waitForFunction(() => document.getElementById('last-price')?.textContent !== '—', undefined, { timeout: 15_000 });
    expect(await text('#symbol-name')).toBe('NAS100 · 1m');
    expect(await text('#provider')).toBe('sim');
    await page.waitForFunction(() => /^\d+\.\d s$/.test(document.getElementById('age')?.textContent ?? ''));

    const drawn = await canvasColours();
    expect(drawn.canvases, 'candles, RSI and MACD panes with their axes').toBeGreaterThanOrEqual(6);
    expect(drawn.colours).toBeGreaterThan(20);
    expect(drawn.hasGreen || drawn.hasRed, 'candles drawn in their colours').toBe(true);

    const first = await chartShot();
    const before = `${await text('#last-price')} at age ${await text('#age')}`;
    await sleep(2_000);
    const second = await chartShot();
    const after = `${await text('#last-price')} at age ${await text('#age')}, ${await text('#feed')}`;
    expect(second.equals(first), `the forming bar moved within 2 s (${before} → ${after})`).toBe(false);

    const price = await text('#last-price');
    expect(await changes(() => text('#last-price'), price, 3_000)).not.toBe(price);
  });

  it('shows a signal marker’s reasons on hover', async () => {
    // Sweep the cursor across the candles: the tooltip appears over a bar that carries a marker.
    const box = (await page.locator('#chart').boundingBox())!;
    let tooltip = '';
    for (let x = box.x + 10; x < box.x + box.width - 80 && !tooltip; x += 3) {
      await page.mouse.move(x, box.y + box.height * 0.3);
      if (await page.locator('#tooltip').isVisible()) tooltip = await text('#tooltip');
    }
    expect(tooltip).toMatch(/^(LONG|SHORT) \d\.\d\d — [a-z_]+(, [a-z_]+)*/);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height + 50);
  });

  it('lists every symbol with its signal', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#symbols li .side').length === 3);
    const rows = await page.locator('#symbols li').evaluateAll((items) =>
      items.map((li) => ({ symbol: (li as HTMLElement).dataset.symbol, side: li.querySelector('.side')?.textContent ?? '' })),
    );
    expect(rows.map((r) => r.symbol)).toEqual(['EURUSD', 'XAUUSD', 'NAS100']);
    for (const row of rows) expect(row.side).toMatch(/^(LONG|SHORT|FLAT) \d\.\d\d$/);
  });

  it('redraws on another symbol and another timeframe', async () => {
    const before = await chartShot();
    await page.locator('#symbols li[data-symbol="EURUSD"]').click();
    await page.waitForFunction(() => document.getElementById('symbol-name')?.textContent === 'EURUSD · 1m');
    await page.waitForFunction(() => /^\d\.\d{5}$/.test(document.getElementById('last-price')?.textContent ?? ''));
    await sleep(500);
    const eurusd = await chartShot();
    expect(eurusd.equals(before)).toBe(false);

    await page.locator('#intervals button[data-interval="5m"]').click();
    await page.waitForFunction(() => document.getElementById('symbol-name')?.textContent === 'EURUSD · 5m');
    await page.waitForFunction(() => document.getElementById('feed')?.textContent === 'stream', undefined, { timeout: 15_000 });
    await sleep(500);
    expect((await chartShot()).equals(eurusd)).toBe(false);
    expect(new URL(page.url()).hash).toBe('#EURUSD/5m');

    // Back to the README's view, kept as this run's artifact.
    await page.locator('#intervals button[data-interval="1m"]').click();
    await page.locator('#symbols li[data-symbol="NAS100"]').click();
    await page.waitForFunction(() => document.getElementById('symbol-name')?.textContent === 'NAS100 · 1m');
    await sleep(1_500);
    await mkdir(ARTIFACTS, { recursive: true });
    await writeFile(`${ARTIFACTS}dashboard.png`, await page.screenshot());
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
