import type { UpdateMessage } from './messages';

/** How far back a reconnecting client is replayed exactly; older gaps get a snapshot instead. */
export const REPLAY_MS = 120_000;
/** A bound on memory whatever the symbol count: at 1,000 symbols changing every second, 50 s. */
export const REPLAY_MAX_EVENTS = 50_000;

interface Retained {
  id: number;
  at: number;
  message: UpdateMessage;
}

/**
 * The stream group's recent updates, for clients that reconnect with the id of the last one
 * they got. Ids are numbers that only grow (ms × 1,000 plus a counter, so a restarted Durable
 * Object, whose memory is gone, issues ids above every old one and an old id is seen as a gap).
 */
export class ReplayBuffer {
  readonly #events: Retained[] = [];
  #nextId: number;
  /** every update with an id above this is still retained */
  #floor: number;

  constructor(now: number) {
    this.#nextId = now * 1_000;
    this.#floor = this.#nextId - 1;
  }

  /** The id for the next update: above every earlier one, and at least the clock's ms × 1,000. */
  nextId(now: number): string {
    this.#nextId = Math.max(this.#nextId, now * 1_000);
    return String(this.#nextId++);
  }

  push(message: UpdateMessage, now: number): void {
    this.#events.push({ id: Number(message.id), at: now, message });
    let drop = 0;
    while (drop < this.#events.length && (this.#events.length - drop > REPLAY_MAX_EVENTS || this.#events[drop]!.at < now - REPLAY_MS)) drop++;
    if (drop > 0) this.#floor = this.#events.splice(0, drop).at(-1)!.id;
  }

  /**
   * The updates after `lastId` for the given symbols, oldest first; null when some of them are
   * no longer (or were never) held here, so the caller must resynchronise the client instead.
   */
  since(lastId: number, symbols: ReadonlySet<string>): UpdateMessage[] | null {
    if (!Number.isSafeInteger(lastId) || lastId < this.#floor) return null;
    return this.#events.filter((e) => e.id > lastId && symbols.has(e.message.symbol)).map((e) => e.message);
  }
}
