import type { StreamMessage, UpdateMessage } from '../../src/stream/messages';

/** A message as a test client got it, stamped with when it arrived. */
export type Received = StreamMessage & { receivedAt: number };

export interface StreamClient {
  readonly messages: Received[];
  readonly updates: (UpdateMessage & { receivedAt: number })[];
  /** the id of the newest update received */
  lastId(): string | undefined;
  close(): Promise<void>;
}

function collector() {
  const messages: Received[] = [];
  return {
    messages,
    get updates() {
      return messages.filter((m): m is UpdateMessage & { receivedAt: number } => m.type === 'update');
    },
    lastId() {
      return messages.findLast((m) => m.type === 'update')?.id as string | undefined;
    },
  };
}

/** A WebSocket client of /v1/stream (Node's WebSocket, as a bot would use); resolves once open. */
export async function openWebSocket(url: string): Promise<StreamClient> {
  const state = collector();
  const ws = new WebSocket(url);
  ws.addEventListener('message', (event) => state.messages.push({ ...(JSON.parse(String(event.data)) as StreamMessage), receivedAt: Date.now() }));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`WebSocket ${url} failed to open`)), { once: true });
  });
  const closed = new Promise<void>((resolve) => ws.addEventListener('close', () => resolve(), { once: true }));
  return Object.assign(state, {
    async close() {
      ws.close();
      await closed;
    },
  });
}

/**
 * A Server-Sent Events client of /v1/stream over fetch (as `curl -N` reads it): parses the
 * `id`/`event`/`data` frames. Rejects with the response when it is not an event stream.
 */
export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<StreamClient & { ids: string[] }> {
  const state = collector();
  const ids: string[] = [];
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  if (!res.ok || !res.headers.get('content-type')?.startsWith('text/event-stream')) throw res;
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(frame.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
          if (fields.id) ids.push(fields.id);
          if (fields.data) state.messages.push({ ...(JSON.parse(fields.data) as StreamMessage), receivedAt: Date.now() });
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return Object.assign(state, {
    ids,
    async close() {
      abort.abort();
      await reading;
    },
  });
}
