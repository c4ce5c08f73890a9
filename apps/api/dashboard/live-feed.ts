import type { Interval } from '@marketpipe/core';
import type { StreamMessage, UpdateMessage } from '../src/stream/messages';
import { api, apiKey } from './api';

export type FeedState = 'connecting' | 'stream' | 'polling';

export interface FeedHandlers {
  update(message: UpdateMessage): void;
  state(state: FeedState): void;
}

/** WebSocket attempts that never opened before the page falls back to polling. */
const FAILURES_BEFORE_POLLING = 3;
const POLL_MS = 1_000;
/** While polling, how often the stream is tried again. */
const RETRY_STREAM_MS = 15_000;

/**
 * The page's live data: /v1/stream over a WebSocket (key as ?access_token=, since a browser
 * cannot set headers on one), resumed with the last update's id after a drop; REST polling of
 * the selected symbol only while the stream cannot be reached.
 */
export class LiveFeed {
  #ws: WebSocket | null = null;
  #lastId: string | null = null;
  #failures = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;

  constructor(
    private readonly interval: Interval,
    private readonly selected: () => string,
    private readonly on: FeedHandlers,
  ) {}

  start(): void {
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#ws?.close(1000, 'page switched interval');
  }

  #connect(): void {
    if (this.#stopped) return;
    this.on.state('connecting');
    const query = new URLSearchParams({ interval: this.interval });
    const key = apiKey.get();
    if (key) query.set('access_token', key);
    if (this.#lastId) query.set('lastEventId', this.#lastId);
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/stream?${query.toString()}`);
    this.#ws = ws;
    let opened = false;
    ws.addEventListener('open', () => {
      opened = true;
      this.#failures = 0;
      this.on.state('stream');
    });
    ws.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as StreamMessage;
      if (message.type !== 'update') return;
      this.#lastId = message.id;
      this.on.update(message);
    });
    ws.addEventListener('close', () => {
      if (this.#stopped || this.#ws !== ws) return;
      if (!opened) this.#failures++;
      if (this.#failures >= FAILURES_BEFORE_POLLING) this.#poll(Date.now() + RETRY_STREAM_MS);
      else this.#later(() => this.#connect(), Math.min(10_000, 1_000 * 2 ** this.#failures));
    });
  }

  /** One REST read of the selected symbol a second, until it is time to try the stream again. */
  #poll(retryStreamAt: number): void {
    if (this.#stopped) return;
    this.on.state('polling');
    if (Date.now() >= retryStreamAt) {
      this.#failures = FAILURES_BEFORE_POLLING - 1;
      this.#connect();
      return;
    }
    const symbol = this.selected();
    void api
      .bars(symbol, this.interval, 3)
      .then(({ bars, ageMs }) => {
        const forming = bars.findLast((b) => !b.final);
        const finals = bars.filter((b) => b.final);
        const now = Date.now();
        this.on.update({
          type: 'update',
          id: this.#lastId ?? '0',
          symbol,
          interval: this.interval,
          ts: ageMs === null ? null : now - ageMs,
          ageMs,
          source: (forming ?? finals.at(-1))?.source ?? null,
          ...(forming ? { bar: forming } : {}),
          ...(finals.length ? { finals } : {}),
        });
      })
      .catch(() => undefined)
      .finally(() => this.#later(() => this.#poll(retryStreamAt), POLL_MS));
  }

  #later(run: () => void, ms: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(run, ms);
  }
}
