import {
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  HistogramSeries,
  LineSeries,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { Bar, SessionSpec } from '@marketpipe/core';
import { OverlayEngine, type OverlayPoint, type SignalMark } from './overlays';

const VISIBLE_BARS = 150;
const time = (ts: number) => (ts / 1000) as UTCTimestamp;
const line = (color: string, lineWidth: 1 | 2 = 1) => ({ color, lineWidth, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false });
const volumeBar = (b: Bar) => ({ time: time(b.ts), value: b.volume, color: b.close >= b.open ? '#26a69a55' : '#ef535055' });
const point = (ts: number, value: number | null) => (value === null ? { time: time(ts) } : { time: time(ts), value });

/**
 * Candles and volume with EMA 9/21/50 and Bollinger bands, an RSI pane and a MACD pane, and markers where
 * the signal turned long or short (reasons shown on hover). `load` draws history; `forming`
 * and `finals` move it live.
 */
export class MarketChart {
  readonly #chart: IChartApi;
  readonly #candles: ISeriesApi<'Candlestick'>;
  readonly #lines: Record<string, ISeriesApi<'Line'>>;
  readonly #histogram: ISeriesApi<'Histogram'>;
  readonly #volume: ISeriesApi<'Histogram'>;
  readonly #markers: ISeriesMarkersPluginApi<Time>;
  readonly #tooltip: HTMLElement;
  #marks: SignalMark[] = [];
  #overlays: OverlayEngine | null = null;

  constructor(container: HTMLElement, tooltip: HTMLElement) {
    this.#tooltip = tooltip;
    this.#chart = createChart(container, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: '#0f1216' }, textColor: '#c7cdd4', panes: { separatorColor: '#2a2f36' } },
      grid: { vertLines: { color: '#1b2027' }, horzLines: { color: '#1b2027' } },
      timeScale: { timeVisible: true, secondsVisible: false, rightOffset: 4 },
      crosshair: { mode: 0 },
    });
    this.#candles = this.#chart.addSeries(CandlestickSeries, { upColor: '#26a69a', downColor: '#ef5350', wickUpColor: '#26a69a', wickDownColor: '#ef5350', borderVisible: false });
    this.#lines = {
      ema9: this.#chart.addSeries(LineSeries, line('#f5b041')),
      ema21: this.#chart.addSeries(LineSeries, line('#5dade2')),
      ema50: this.#chart.addSeries(LineSeries, line('#af7ac5')),
      bbUpper: this.#chart.addSeries(LineSeries, { ...line('#7f8c8d'), lineStyle: 2 }),
      bbMiddle: this.#chart.addSeries(LineSeries, { ...line('#7f8c8d'), lineStyle: 1 }),
      bbLower: this.#chart.addSeries(LineSeries, { ...line('#7f8c8d'), lineStyle: 2 }),
      rsi: this.#chart.addSeries(LineSeries, { ...line('#e59866', 2), lastValueVisible: true }, 1),
      macd: this.#chart.addSeries(LineSeries, line('#5dade2', 2), 2),
      macdSignal: this.#chart.addSeries(LineSeries, line('#f5b041'), 2),
    };
    this.#histogram = this.#chart.addSeries(HistogramSeries, { priceLineVisible: false, lastValueVisible: false }, 2);
    // Volume along the bottom of the candles' pane, on its own scale.
    this.#volume = this.#chart.addSeries(HistogramSeries, { priceScaleId: 'volume', priceFormat: { type: 'volume' }, priceLineVisible: false, lastValueVisible: false });
    this.#volume.priceScale().applyOptions({ scaleMargins: { top: 0.85, bottom: 0 } });
    this.#candles.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.18 } });
    for (const level of [70, 30]) this.#lines.rsi!.createPriceLine({ price: level, color: '#566573', lineWidth: 1, lineStyle: 2, axisLabelVisible: false, title: '' });
    const [main, rsi, macd] = this.#chart.panes();
    main?.setStretchFactor(3);
    rsi?.setStretchFactor(1);
    macd?.setStretchFactor(1);
    this.#markers = createSeriesMarkers(this.#candles, []);
    this.#chart.subscribeCrosshairMove((param) => this.#hover(param.time as number | undefined, param.point));
  }

  /** Draws `bars` (oldest first, the forming one last) from scratch. */
  load(bars: Bar[], session: SessionSpec, precision: number): void {
    this.#overlays = new OverlayEngine(session);
    this.#marks = [];
    this.#candles.applyOptions({ priceFormat: { type: 'price', precision, minMove: 10 ** -precision } });
    const points: OverlayPoint[] = [];
    for (const bar of bars) {
      const shown = bar.final ? this.#overlays.addFinal(bar) : null;
      if (shown) {
        points.push(shown.point);
        if (shown.mark) this.#marks.push(shown.mark);
      } else if (!bar.final) {
        const p = this.#overlays.showForming(bar);
        if (p) points.push(p);
      }
    }
    this.#candles.setData(bars.map((b) => ({ time: time(b.ts), open: b.open, high: b.high, low: b.low, close: b.close })));
    this.#volume.setData(bars.map(volumeBar));
    const series = (pick: (p: OverlayPoint) => number | null) => points.map((p) => point(p.ts, pick(p)));
    this.#lines.ema9!.setData(series((p) => p.ema['9']));
    this.#lines.ema21!.setData(series((p) => p.ema['21']));
    this.#lines.ema50!.setData(series((p) => p.ema['50']));
    this.#lines.bbUpper!.setData(series((p) => p.bb.upper));
    this.#lines.bbMiddle!.setData(series((p) => p.bb.middle));
    this.#lines.bbLower!.setData(series((p) => p.bb.lower));
    this.#lines.rsi!.setData(series((p) => p.rsi));
    this.#lines.macd!.setData(series((p) => p.macd.macd));
    this.#lines.macdSignal!.setData(series((p) => p.macd.signal));
    this.#histogram.setData(points.map((p) => ({ ...point(p.ts, p.macd.histogram), color: (p.macd.histogram ?? 0) >= 0 ? '#26a69a88' : '#ef535088' })));
    this.#drawMarks();
    // The newest bars, wide enough to read; the rest is a scroll away.
    this.#chart.timeScale().setVisibleLogicalRange({ from: bars.length - VISIBLE_BARS, to: bars.length + 3 });
  }

  /** Bars that became final, oldest first. */
  finals(bars: Bar[]): void {
    for (const bar of bars) {
      const shown = this.#overlays?.addFinal(bar);
      if (!shown) continue;
      this.#candle(bar);
      this.#overlay(shown.point);
      if (shown.mark) {
        this.#marks.push(shown.mark);
        this.#drawMarks();
      }
    }
  }

  /** The forming bar moved. */
  forming(bar: Bar): void {
    const p = this.#overlays?.showForming(bar);
    if (!p) return;
    this.#candle(bar);
    this.#overlay(p);
  }

  #candle(b: Bar): void {
    this.#candles.update({ time: time(b.ts), open: b.open, high: b.high, low: b.low, close: b.close });
    this.#volume.update(volumeBar(b));
  }

  #overlay(p: OverlayPoint): void {
    const set = (name: string, value: number | null) => this.#lines[name]!.update(point(p.ts, value));
    set('ema9', p.ema['9']);
    set('ema21', p.ema['21']);
    set('ema50', p.ema['50']);
    set('bbUpper', p.bb.upper);
    set('bbMiddle', p.bb.middle);
    set('bbLower', p.bb.lower);
    set('rsi', p.rsi);
    set('macd', p.macd.macd);
    set('macdSignal', p.macd.signal);
    this.#histogram.update({ ...point(p.ts, p.macd.histogram), color: (p.macd.histogram ?? 0) >= 0 ? '#26a69a88' : '#ef535088' });
  }

  #drawMarks(): void {
    const markers: SeriesMarker<Time>[] = this.#marks.map(({ ts, signal }) => ({
      time: time(ts),
      position: signal.side === 'long' ? 'belowBar' : 'aboveBar',
      color: signal.side === 'long' ? '#26a69a' : '#ef5350',
      shape: signal.side === 'long' ? 'arrowUp' : 'arrowDown',
      text: signal.side === 'long' ? 'L' : 'S',
    }));
    this.#markers.setMarkers(markers);
  }

  /** The reasons of a signal marker under the cursor. */
  #hover(at: number | undefined, where: { x: number; y: number } | undefined): void {
    const mark = at === undefined ? undefined : this.#marks.find((m) => time(m.ts) === at);
    if (!mark || !where) {
      this.#tooltip.hidden = true;
      return;
    }
    const { side, score, reasons, stop, target } = mark.signal;
    this.#tooltip.textContent = `${side.toUpperCase()} ${score.toFixed(2)} — ${reasons.join(', ')}${stop !== null ? ` · stop ${stop}` : ''}${target !== null ? ` · target ${target}` : ''}`;
    this.#tooltip.style.left = `${where.x + 12}px`;
    this.#tooltip.style.top = `${where.y + 12}px`;
    this.#tooltip.hidden = false;
  }
}
