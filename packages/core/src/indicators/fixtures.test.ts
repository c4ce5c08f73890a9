import { expect, test } from 'vitest';
import { FIXTURES } from './testing/fixtures';

type Subtle = { digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer> };
type Encoder = new () => { encode(text: string): Uint8Array };
// Web Crypto and TextEncoder are globals in Node and workerd; core's lib has no DOM types.
const { crypto, TextEncoder } = globalThis as unknown as { crypto: { subtle: Subtle }; TextEncoder: Encoder };

test.each(FIXTURES)('$name: the CSV is the one TA-Lib was run on (sha256) and every row parsed', async (f) => {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(f.csv));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  expect(hex).toBe(f.ref.sha256);
  expect(f.bars).toHaveLength(f.ref.bars);
  expect(f.bars.every((b) => [b.ts, b.open, b.high, b.low, b.close, b.volume].every(Number.isFinite))).toBe(true);
});
