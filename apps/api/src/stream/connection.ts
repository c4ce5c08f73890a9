import type { Interval } from '@marketpipe/core';

/** One stream connection as the Worker hands it to the group's Durable Object. */
export interface Connection {
  interval: Interval;
  /** canonical symbol names, at least one */
  symbols: string[];
  /** `key:{sha256}` or `anon:{address}`: whose streams count against STREAM_MAX_PER_KEY */
  caller: string;
  /** resume after this update id; null for a fresh start */
  lastEventId: number | null;
}

/**
 * The Worker → Durable Object request: the connection as query parameters of an internal URL.
 * Only the Worker can reach the object, and it builds this URL from validated input.
 */
export function connectionUrl(c: Connection): string {
  const query = new URLSearchParams({ interval: c.interval, symbols: c.symbols.join(','), caller: c.caller });
  if (c.lastEventId !== null) query.set('lastEventId', String(c.lastEventId));
  return `https://stream.internal/connect?${query.toString()}`;
}

export function connectionFromUrl(url: URL): Connection {
  const q = url.searchParams;
  const last = q.get('lastEventId');
  return {
    interval: q.get('interval') as Interval,
    symbols: (q.get('symbols') ?? '').split(',').filter(Boolean),
    caller: q.get('caller') ?? 'anon:unknown',
    lastEventId: last === null ? null : Number(last),
  };
}
