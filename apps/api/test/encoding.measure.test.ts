import { exports } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';
import { decodeBar, decodeFeatures, encodeBar, encodeFeatures, encodeSignal, type Bar, type Features, type Signal } from '@marketpipe/core';
import './context';

/**
 * Measures, inside workerd, the encodings the Worker could read (docs/architecture.md §4: choose by bytes
 * in Redis and decode time in workerd). Prints a table; asserts only correctness, never
 * timings (noisy on shared machines). Numbers are recorded in apps/api/README.md.
 */
const N = 5_000;
const RUNS = 15;

const fromBase64 = (b64: string) => (Uint8Array as unknown as { fromBase64(s: string): Uint8Array }).fromBase64(b64);
const atobBytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const toBase64 = (bytes: Uint8Array) => (bytes as unknown as { toBase64(): string }).toBase64();
/** What @upstash/redis does with every base64 reply string: atob → bytes → UTF-8 text. */
const clientDecode = (b64: string) => new TextDecoder().decode(atobBytes(b64));

function median(run: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

function bars(): Bar[] {
  const seed = inject('collectorBars');
  return Array.from({ length: N }, (_, i) => ({ ...seed[i % seed.length]!, ts: seed[0]!.ts + i * 60_000 }));
}

const features: Features = {
  symbol: 'EURUSD', interval: '1m', ts: 1764028800000, final: false, close: 1.0842, defs: 'talib',
  ema: { '9': 1.0841, '21': 1.0839, '50': 1.0835, '200': 1.0822 },
  rsi: 56.2, atr: 0.00031, momentum: 0.0004, volumeMa: 812.5, vwap: null,
  bb: { middle: 1.0838, upper: 1.0849, lower: 1.0827, bandwidth: 0.002, percentB: 0.68 },
  macd: { macd: 0.00012, signal: 0.00009, histogram: 0.00003 },
  periods: { ema: [9, 21, 50, 200], rsi: 14, atr: 14, momentum: 10, volumeMa: 20, bb: [20, 2], macd: [12, 26, 9] },
  warm: true, computedAt: 1764028800512,
};
const signal: Signal = {
  symbol: 'EURUSD', side: 'long', score: 0.72, reasons: ['ema9>ema21', 'rsi>55'], price: 1.0842, stop: 1.0835, target: 1.0856,
  ts: 1764028800000, computedAt: 1764028800512,
};

describe('value encodings in workerd', () => {
  it('measures bytes and decode time of msgpack vs JSON for bars, features and signals', () => {
    const series = bars();
    const packed = series.map((b) => Uint8Array.from(encodeBar(b)));
    const json = series.map((b) => JSON.stringify(b));
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const packedBytes = sum(packed.map((p) => p.byteLength));
    const jsonBytes = sum(json.map((j) => new TextEncoder().encode(j).byteLength));

    // What the REST reply of `ZRANGE … LIMIT 0 5000` carries with Upstash-Encoding: base64.
    const wirePacked = packed.map(toBase64);
    const wireJson = json.map((j) => toBase64(new TextEncoder().encode(j)));
    const wireBytes = (xs: string[]) => JSON.stringify(xs.map((result) => ({ result }))).length;
    // Stored as base64 text so the stock client could read it: base64 twice on the wire.
    const wireDouble = wirePacked.map((t) => toBase64(new TextEncoder().encode(t)));

    const t = {
      binary: median(() => wirePacked.forEach((s) => decodeBar(fromBase64(s)))),
      binaryAtob: median(() => wirePacked.forEach((s) => decodeBar(atobBytes(s)))),
      jsonClient: median(() => wireJson.forEach((s) => JSON.parse(clientDecode(s)))),
      doubleBase64: median(() => wireDouble.forEach((s) => decodeBar(fromBase64(clientDecode(s))))),
      base64Only: median(() => wirePacked.forEach((s) => fromBase64(s))),
      msgpackOnly: median(() => packed.forEach((p) => decodeBar(p))),
      jsonParseOnly: median(() => json.forEach((j) => JSON.parse(j))),
    };

    // Correctness: the binary path is exact; the stock client's path is not.
    expect(wirePacked.map((s) => decodeBar(fromBase64(s)))).toEqual(series);
    const mangled = wirePacked.filter((s) => {
      try {
        return JSON.stringify(decodeBar(new TextEncoder().encode(clientDecode(s)))) !== JSON.stringify(decodeBar(fromBase64(s)));
      } catch {
        return true;
      }
    }).length;
    expect(mangled, 'msgpack bytes read through @upstash/redis come back wrong').toBeGreaterThan(0);

    const fPacked = encodeFeatures(features).byteLength;
    const fJson = JSON.stringify(features).length;
    const sPacked = encodeSignal(signal).byteLength;
    const sJson = JSON.stringify(signal).length;
    const fWire = toBase64(Uint8Array.from(encodeFeatures(features)));
    const fTime = median(() => {
      for (let i = 0; i < N; i++) decodeFeatures(fromBase64(fWire));
    });
    const fJsonWire = toBase64(new TextEncoder().encode(JSON.stringify(features)));
    const fJsonTime = median(() => {
      for (let i = 0; i < N; i++) JSON.parse(clientDecode(fJsonWire));
    });

    console.log(
      [
        `bars: ${N} (sample of the collector's sim bars), median of ${RUNS} runs, workerd`,
        `  bytes in Redis per bar      msgpack tuple ${(packedBytes / N).toFixed(1)}   JSON object ${(jsonBytes / N).toFixed(1)}`,
        `  REST reply for ${N} bars     msgpack ${(wireBytes(wirePacked) / 1024).toFixed(0)} KiB   JSON ${(wireBytes(wireJson) / 1024).toFixed(0)} KiB   base64-text msgpack ${(wireBytes(wireDouble) / 1024).toFixed(0)} KiB`,
        `  decode ${N} bars (ms)         binary reader ${t.binary.toFixed(1)} (atob instead of fromBase64: ${t.binaryAtob.toFixed(1)}; base64 alone ${t.base64Only.toFixed(1)})`,
        `                               JSON via @upstash/redis path ${t.jsonClient.toFixed(1)}   base64-text msgpack via client ${t.doubleBase64.toFixed(1)}`,
        `                               decodeBar alone ${t.msgpackOnly.toFixed(1)}   JSON.parse alone ${t.jsonParseOnly.toFixed(1)}`,
        `  msgpack bars mangled by the @upstash/redis path: ${mangled}/${N}`,
        `features: msgpack ${fPacked} B, JSON ${fJson} B; decode ${N}: binary ${fTime.toFixed(1)} ms, JSON via client ${fJsonTime.toFixed(1)} ms`,
        `signal: msgpack ${sPacked} B, JSON ${sJson} B`,
      ].join('\n'),
    );
  });

  it('measures a whole /v1/bars request through the bridge', async () => {
    const worker = (exports as unknown as { default: Fetcher }).default;
    const headers = { authorization: `Bearer ${inject('apiKey')}` };
    for (const limit of [5, 100, 1000]) {
      const times: number[] = [];
      let size = 0;
      for (let i = 0; i < 9; i++) {
        const t0 = performance.now();
        const res = await worker.fetch(`http://api.test/v1/bars/EURUSD?limit=${limit}`, { headers });
        size = (await res.text()).length;
        times.push(performance.now() - t0);
      }
      console.log(`GET /v1/bars/EURUSD?limit=${limit}: median ${times.sort((a, b) => a - b)[4]!.toFixed(1)} ms, ${size} B of JSON`);
    }
  });
});
