import type { Interval, Signal } from '@marketpipe/core';
import { INTERVALS } from '../../../packages/core/src/keys';
import type { UpdateMessage } from '../src/stream/messages';
import { api, apiKey, NeedsApiKeyError, type SymbolInfo } from './api';
import { MarketChart } from './chart';
import { LiveFeed } from './live-feed';

/** What the page knows of each symbol, from the stream (and REST at first). */
interface SymbolState {
  price: number | null;
  signal: Signal | null;
  ts: number | null;
  source: string | null;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
/** 200 bars warm the EMA 200 (and so the signals) up; the rest are shown with everything on. */
const HISTORY_BARS = 500;

const chart = new MarketChart($('chart'), $('tooltip'));
const known = new Map<string, SymbolState>();
let symbols: SymbolInfo[] = [];
let selected = '';
let interval: Interval = '1m';
let feed: LiveFeed | null = null;
/** false while the selected symbol's history loads: live updates wait for it */
let chartReady = false;

const stateOf = (symbol: string): SymbolState => {
  let s = known.get(symbol);
  if (!s) known.set(symbol, (s = { price: null, signal: null, ts: null, source: null }));
  return s;
};

/** A price in the symbol's own decimals (EURUSD 5, XAUUSD 2). */
const quote = (symbol: string, price: number | null) => (price === null ? '—' : price.toFixed(symbols.find((s) => s.symbol === symbol)?.precision ?? 2));

function renderPicker(): void {
  const list = $('symbols');
  list.replaceChildren(
    ...symbols.map(({ symbol }) => {
      const s = stateOf(symbol);
      const item = document.createElement('li');
      item.dataset.symbol = symbol;
      item.className = `${s.signal?.side ?? 'none'}${symbol === selected ? ' selected' : ''}`;
      item.title = s.signal ? `${s.signal.side} ${s.signal.score.toFixed(2)}: ${s.signal.reasons.join(', ')}` : 'no signal yet';
      const name = Object.assign(document.createElement('span'), { className: 'name', textContent: symbol });
      const price = Object.assign(document.createElement('span'), { className: 'price', textContent: quote(symbol, s.price) });
      const side = Object.assign(document.createElement('span'), {
        className: 'side',
        textContent: s.signal ? `${s.signal.side.toUpperCase()} ${s.signal.score.toFixed(2)}` : '—',
      });
      item.append(name, price, side);
      item.addEventListener('click', () => void select(symbol, interval));
      return item;
    }),
  );
}

function renderIntervals(): void {
  $('intervals').replaceChildren(
    ...INTERVALS.map((iv) => {
      const button = Object.assign(document.createElement('button'), { type: 'button', textContent: iv });
      button.dataset.interval = iv;
      if (iv === interval) button.classList.add('selected');
      button.addEventListener('click', () => void select(selected, iv));
      return button;
    }),
  );
}

function renderQuote(): void {
  const s = stateOf(selected);
  $('symbol-name').textContent = `${selected} · ${interval}`;
  $('last-price').textContent = quote(selected, s.price);
  $('provider').textContent = s.source ?? '—';
}

function renderAge(): void {
  const ts = stateOf(selected).ts;
  $('age').textContent = ts === null ? '—' : `${(Math.max(0, Date.now() - ts) / 1000).toFixed(1)} s`;
}

function onUpdate(m: UpdateMessage): void {
  const s = stateOf(m.symbol);
  const newest = m.bar ?? m.finals?.at(-1);
  if (newest && (!m.bar || !m.finals || m.bar.ts >= (m.finals.at(-1)?.ts ?? 0))) s.price = (m.bar ?? newest).close;
  if (m.signal) s.signal = m.signal;
  if (m.ts !== null) s.ts = m.ts;
  if (m.source) s.source = m.source;
  if (m.symbol === selected && chartReady) {
    if (m.finals) chart.finals(m.finals);
    if (m.bar) chart.forming(m.bar);
    renderQuote();
  }
  if (m.signal || newest) renderPicker();
}

async function select(symbol: string, iv: Interval): Promise<void> {
  const intervalChanged = iv !== interval || feed === null;
  selected = symbol;
  interval = iv;
  history.replaceState(null, '', `#${symbol}/${iv}`);
  chartReady = false;
  renderIntervals();
  renderPicker();
  if (intervalChanged) {
    feed?.stop();
    feed = new LiveFeed(iv, () => selected, { update: onUpdate, state: (state) => ($('feed').textContent = state) });
    feed.start();
    const signals = await api.signals(iv);
    for (const s of symbols) stateOf(s.symbol).signal = null;
    for (const signal of signals) stateOf(signal.symbol).signal = signal;
  }
  const { bars, ageMs } = await api.bars(symbol, iv, HISTORY_BARS);
  if (symbol !== selected || iv !== interval) return; // another click won meanwhile
  const spec = symbols.find((s) => s.symbol === symbol)!;
  chart.load(bars, spec.session, spec.precision);
  const s = stateOf(symbol);
  s.price = bars.at(-1)?.close ?? s.price;
  s.source = bars.at(-1)?.source ?? s.source;
  if (ageMs !== null) s.ts = Date.now() - ageMs;
  chartReady = true;
  renderQuote();
  renderPicker();
}

function askForKey(reason: string): void {
  $('key-error').textContent = reason;
  $('key-form').hidden = false;
}

async function boot(): Promise<void> {
  try {
    symbols = await api.symbols();
  } catch (error) {
    if (error instanceof NeedsApiKeyError) return askForKey(apiKey.get() ? `the stored key was refused: ${error.message}` : 'this API needs a key');
    throw error;
  }
  $('key-form').hidden = true;
  const [wantSymbol, wantInterval] = location.hash.slice(1).split('/');
  const first = symbols.find((s) => s.symbol === wantSymbol)?.symbol ?? symbols[0]?.symbol;
  if (!first) {
    $('error').textContent = 'no symbols yet: is the collector running?';
    $('error').hidden = false;
    return;
  }
  setInterval(renderAge, 250);
  await select(first, INTERVALS.find((iv) => iv === wantInterval) ?? '1m');
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  apiKey.set($<HTMLInputElement>('key-input').value);
  void boot();
});

void boot();
