import type { Bar, Features, Interval, Signal } from '@marketpipe/core';

/** One symbol's live state of one interval, as the stream's once-a-second read returns it. */
export interface LiveSymbol {
  symbol: string;
  /** the forming bar; null before the collector has one */
  forming: Bar | null;
  /** the newest final bar */
  final: Bar | null;
  features: Features | null;
  signal: Signal | null;
  /** when the collector last polled the symbol successfully (`md:v1:seen`); null if never */
  updatedAt: number | null;
}

/**
 * What changed for one symbol, pushed to every listener of it. Only the parts that changed
 * since the previous message are present; a `snapshot` (first message of a connection, or
 * after a gap the replay buffer cannot fill: `resync`) carries every part there is.
 */
export interface UpdateMessage {
  type: 'update';
  /** increasing across the stream group; resume with it (`Last-Event-ID` or `?lastEventId=`) */
  id: string;
  symbol: string;
  interval: Interval;
  /** when the collector last polled the symbol (ms since epoch): the data's time */
  ts: number | null;
  /** how old the data was when the stream read it */
  ageMs: number | null;
  /** the provider that served the newest bar */
  source: string | null;
  /** the forming bar */
  bar?: Bar;
  /** bars that became final since the previous message, oldest first */
  finals?: Bar[];
  features?: Features;
  signal?: Signal;
  snapshot?: true;
  resync?: true;
}

/** Sent to a connection that got nothing for `HEARTBEAT_AFTER_MS`. */
export interface HeartbeatMessage {
  type: 'heartbeat';
  ts: number;
}

export type StreamMessage = UpdateMessage | HeartbeatMessage;

/** A connection that heard nothing for this long gets a heartbeat (proxies drop silent streams). */
export const HEARTBEAT_AFTER_MS = 5_000;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The update for `next` given what was last sent for the symbol (`prev`), or null when nothing
 * changed. Values are compared whole: the collector rewrites them each cycle, and only a real
 * change (a tick moved the bar, a new final bar, recomputed features) is worth a message.
 */
export function updateFor(
  prev: LiveSymbol | undefined,
  next: LiveSymbol,
  meta: { id: string; interval: Interval; now: number; finalsBetween?: Bar[] },
): UpdateMessage | null {
  const message = baseMessage(next, meta);
  if (next.forming && !same(prev?.forming, next.forming)) message.bar = next.forming;
  if (next.final && !same(prev?.final, next.final)) message.finals = [...(meta.finalsBetween ?? []), next.final];
  if (next.features && !same(prev?.features, next.features)) message.features = next.features;
  if (next.signal && !same(prev?.signal, next.signal)) message.signal = next.signal;
  const changed = message.bar ?? message.finals ?? message.features ?? message.signal;
  return changed ? message : null;
}

/** Everything known about the symbol, for a connection that starts (or restarts) from nothing. */
export function snapshotOf(live: LiveSymbol, meta: { id: string; interval: Interval; now: number; resync?: boolean }): UpdateMessage {
  const message = baseMessage(live, meta);
  if (live.forming) message.bar = live.forming;
  if (live.final) message.finals = [live.final];
  if (live.features) message.features = live.features;
  if (live.signal) message.signal = live.signal;
  message.snapshot = true;
  if (meta.resync) message.resync = true;
  return message;
}

function baseMessage(live: LiveSymbol, { id, interval, now }: { id: string; interval: Interval; now: number }): UpdateMessage {
  return {
    type: 'update',
    id,
    symbol: live.symbol,
    interval,
    ts: live.updatedAt,
    ageMs: live.updatedAt === null ? null : Math.max(0, now - live.updatedAt),
    source: (live.forming ?? live.final)?.source ?? null,
  };
}

/** One Server-Sent Event: `id` (for Last-Event-ID), the message type as `event`, JSON `data`. */
export function sseFrame(message: StreamMessage): string {
  const id = message.type === 'update' ? `id: ${message.id}\n` : '';
  return `${id}event: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`;
}
