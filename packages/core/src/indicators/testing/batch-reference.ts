import type { SessionSpec } from '../../session';
import { sessionStart } from '../../session';
import type { Bar } from '../../types';

/**
 * Textbook, array-at-a-time versions of docs/architecture.md §3, written apart from the streaming code
 * (windows summed afresh, two-pass variance, sessions looked up uncached) so that the two
 * only agree if both follow the definitions.
 */
type Series = (number | null)[];

const nulls = (n: number): Series => Array.from({ length: n }, () => null);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export function smaRef(xs: number[], n: number): Series {
  return xs.map((_, i) => (i >= n - 1 ? mean(xs.slice(i - n + 1, i + 1)) : null));
}

/** EMA seeded with the mean of the first n values, starting at index `from`. */
export function emaRef(xs: number[], n: number, from = 0): Series {
  const out = nulls(xs.length);
  const k = 2 / (n + 1);
  if (xs.length - from < n) return out;
  let e = mean(xs.slice(from, from + n));
  out[from + n - 1] = e;
  for (let i = from + n; i < xs.length; i++) out[i] = e = e + k * (xs[i]! - e);
  return out;
}

export function rsiRef(xs: number[], n: number): Series {
  const out = nulls(xs.length);
  let g = 0;
  let l = 0;
  for (let i = 1; i < xs.length; i++) {
    const d = xs[i]! - xs[i - 1]!;
    const up = Math.max(d, 0);
    const down = Math.max(-d, 0);
    if (i <= n) {
      g += up / n;
      l += down / n;
    } else {
      g = (g * (n - 1) + up) / n;
      l = (l * (n - 1) + down) / n;
    }
    if (i >= n) out[i] = g + l === 0 ? 0 : (100 * g) / (g + l);
  }
  return out;
}

export function atrRef(bars: Bar[], n: number): Series {
  const out = nulls(bars.length);
  const tr = bars.map((b, i) => {
    const pc = bars[i - 1]?.close;
    return pc === undefined ? 0 : Math.max(b.high - b.low, Math.abs(b.high - pc), Math.abs(b.low - pc));
  });
  if (bars.length <= n) return out;
  let atr = mean(tr.slice(1, n + 1));
  out[n] = atr;
  for (let i = n + 1; i < bars.length; i++) out[i] = atr = (atr * (n - 1) + tr[i]!) / n;
  return out;
}

export interface MacdRef {
  macd: Series;
  signal: Series;
  histogram: Series;
}

export function macdRef(xs: number[], fast: number, slow: number, signal: number): MacdRef {
  const start = slow - 1;
  const slowE = emaRef(xs, slow);
  const fastE = emaRef(xs, fast, start - fast + 1);
  const line = xs.map((_, i) => (i >= start ? fastE[i]! - slowE[i]! : 0));
  const sig = emaRef(line, signal, start);
  const first = start + signal - 1;
  const pick = (f: (i: number) => number): Series => xs.map((_, i) => (i >= first ? f(i) : null));
  return { macd: pick((i) => line[i]!), signal: pick((i) => sig[i]!), histogram: pick((i) => line[i]! - sig[i]!) };
}

export interface BollingerRef {
  middle: Series;
  upper: Series;
  lower: Series;
  bandwidth: Series;
  percentB: Series;
}

export function bollingerRef(xs: number[], n: number, m: number): BollingerRef {
  const out: BollingerRef = { middle: [], upper: [], lower: [], bandwidth: [], percentB: [] };
  xs.forEach((x, i) => {
    if (i < n - 1) {
      for (const s of Object.values(out)) s.push(null);
      return;
    }
    const w = xs.slice(i - n + 1, i + 1);
    const mid = mean(w);
    // Identical values have σ = 0 by definition; two-pass rounding would leave ~1e-16.
    const sd = w.every((v) => v === w[0]) ? 0 : Math.sqrt(mean(w.map((v) => (v - mid) ** 2)));
    const upper = mid + m * sd;
    const lower = mid - m * sd;
    out.middle.push(mid);
    out.upper.push(upper);
    out.lower.push(lower);
    out.bandwidth.push(mid === 0 ? null : (upper - lower) / mid);
    out.percentB.push(upper === lower ? null : (x - lower) / (upper - lower));
  });
  return out;
}

export function momentumRef(xs: number[], n: number): Series {
  return xs.map((x, i) => (i >= n ? x - xs[i - n]! : null));
}

export function vwapRef(bars: Bar[], session: SessionSpec): Series {
  let anchor = Number.NaN;
  let pv = 0;
  let vol = 0;
  return bars.map((b) => {
    const a = sessionStart(session, b.ts);
    if (a !== anchor) [anchor, pv, vol] = [a, 0, 0];
    pv += ((b.high + b.low + b.close) / 3) * b.volume;
    vol += b.volume;
    return vol > 0 ? pv / vol : null;
  });
}
