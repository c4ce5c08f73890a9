/// <reference lib="dom" />
// (the functions given to waitForFunction run in the page)
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveStack, type LiveStack } from '../stream/stack';

/** The dashboard where the API wants a key (API_AUTH=required, as deployed). */

let stack: LiveStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const streaming = () => page.waitForFunction(() => document.getElementById('feed')?.textContent === 'stream', undefined, { timeout: 15_000 });

beforeAll(async () => {
  stack = await startLiveStack({ apiAuth: 'required', simSpeed: 1 });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage();
  // The refused requests themselves are logged by the browser as failed loads (401): expected here.
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the dashboard with API_AUTH=required', () => {
  it('asks for a key, says when one is refused, and keeps a good one in the browser', async () => {
    await page.goto(`${stack.worker.url}/`);
    await page.locator('#key-form').waitFor({ state: 'visible' });
    expect(await page.locator('#key-error').innerText()).toBe('this API needs a key');

    await page.locator('#key-input').fill('mp_not_a_key');
    await page.locator('#key-form button').click();
    await page.waitForFunction(() => document.getElementById('key-error')?.textContent?.startsWith('the stored key was refused'));

    await page.locator('#key-input').fill(stack.apiKey);
    await page.locator('#key-form button').click();
    await streaming();
    expect(await page.locator('#key-form').isVisible()).toBe(false);
    expect(await page.evaluate(() => localStorage.getItem('marketpipe.apiKey'))).toBe(stack.apiKey);

    // Entered once: a new visit goes straight to the chart, the stream opened with the stored key.
    await page.reload();
    await streaming();
    expect(await page.locator('#key-form').isVisible()).toBe(false);
    await page.waitForFunction(() => document.getElementById('last-price')?.textContent !== '—');
    expect(pageErrors).toEqual([]);
  });
});
