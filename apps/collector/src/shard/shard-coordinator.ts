import type { Bar, SymbolSpec } from '@marketpipe/core';
import type { HistorySink, HotWindow } from '../ports';
import type { BinaryRedisClient } from '../redis/client';
import type { Logger } from '../logger';
import { mapBounded } from '../concurrency';
import { recoverFromWindow } from '../recovery';
import { CLAIM_LUA, MEMBERS_LUA, type ShardKeys } from './lease-scripts';
import { shareOf } from './rendezvous';
import { Script, withScripts } from './scripts';

const MEMBERS = new Script(MEMBERS_LUA);
const CLAIM = new Script(CLAIM_LUA);

/** What the coordinator changes: the set of symbols the orchestrator collects. */
export interface ShardTarget {
  addSymbol(spec: SymbolSpec, lastFinal: Bar | null): void;
  removeSymbol(symbol: string): void;
}

/** The feature engines of a symbol taken over are rebuilt from its predecessor's state and history. */
export interface ShardAnalytics {
  reset(spec: SymbolSpec): void;
  warm(specs: readonly SymbolSpec[], history: HistorySink, window: HotWindow | null, logger: Logger): Promise<unknown>;
}

export interface ShardDeps {
  client: BinaryRedisClient;
  keys: ShardKeys;
  collectorId: string;
  token: string;
  ttlMs: number;
  /** every symbol of the deployment (each collector is started with the same SYMBOLS) */
  specs: readonly SymbolSpec[];
  target: ShardTarget;
  history: HistorySink;
  window: HotWindow;
  analytics?: ShardAnalytics;
  /** false while Redis is unreachable: leases can be neither renewed nor taken, the symbols held are kept */
  redisUp: () => boolean;
  logger: Logger;
}

/**
 * Lease-based sharing of one symbol set between collectors, through Redis only. Three times
 * per lease TTL, on its own timer (so a dead collector's symbols are noticed within a third
 * of a TTL of their leases expiring, not at the next cycle): record this collector as live and
 * read who else is (MEMBERS), work out its share by rendezvous hashing, then in one script
 * renew the leases it holds, take the free ones of its share and give up the rest (CLAIM).
 * A symbol it gains is prepared to resume from history: bars only the window has (a
 * predecessor killed before its flush) are copied into history, the cursor starts after
 * history's last bar, the feature engine is warmed from the state its predecessor saved.
 * The orchestrator's symbol set changes only between cycles (`beforeCycle`).
 */
export class ShardCoordinator {
  readonly #deps: ShardDeps;
  /** symbols whose lease this collector holds (as of the last CLAIM) */
  readonly #held = new Set<string>();
  readonly #toAdd = new Map<string, { spec: SymbolSpec; last: Bar | null }>();
  readonly #toRemove = new Set<string>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #round: Promise<void> | null = null;
  #leaving = false;
  #failing = false;

  constructor(deps: ShardDeps) {
    this.#deps = deps;
  }

  /** the symbols this collector holds leases on now */
  get held(): ReadonlySet<string> {
    return this.#held;
  }

  /** Starts the lease rounds; resolves after the first one (its symbols are collected from the next cycle). */
  start(): Promise<void> {
    this.#timer = setInterval(() => void this.round(), Math.max(100, Math.floor(this.#deps.ttlMs / 3)));
    this.#timer.unref();
    return this.round();
  }

  /** Called by the fenced window: these writes were refused, so the leases are no longer ours. */
  fenced(symbols: readonly string[]): void {
    // (a refill writes every symbol, held or not: only the held ones are news)
    const lost = symbols.filter((s) => this.#held.has(s));
    for (const s of lost) this.#lose(s);
    if (lost.length > 0) this.#deps.logger.warn({ symbols: lost.length, first: lost[0] }, 'shard: writes refused, the leases are no longer ours');
  }

  /** Applies the changes of the lease rounds to the orchestrator; called between cycles. */
  beforeCycle(): void {
    const { target } = this.#deps;
    for (const s of this.#toRemove) target.removeSymbol(s);
    this.#toRemove.clear();
    for (const { spec, last } of this.#toAdd.values()) target.addSymbol(spec, last);
    this.#toAdd.clear();
  }

  /** One lease round; a round still running is not overlapped. */
  round(): Promise<void> {
    this.#round ??= this.#runRound().finally(() => (this.#round = null));
    return this.#round;
  }

  async #runRound(): Promise<void> {
    const deps = this.#deps;
    if (this.#leaving || !deps.redisUp()) return;
    try {
      const members = await this.#members();
      const share = shareOf(deps.collectorId, deps.specs, members);
      const wanted = new Set(share.map((s) => s.symbol));
      const release = [...this.#held].filter((s) => !wanted.has(s));
      const answers = await this.#claim(share.map((s) => s.symbol), release);
      for (const s of release) this.#lose(s);
      const gained: SymbolSpec[] = [];
      share.forEach((spec, i) => {
        if (answers[i] === 0) this.#lose(spec.symbol);
        else if (!this.#held.has(spec.symbol)) gained.push(spec);
      });
      const started = Date.now();
      if (gained.length > 0) await this.#adopt(gained);
      if (gained.length > 0 || release.length > 0) {
        deps.logger.info(
          { gained: gained.length, released: release.length, held: this.#held.size, members: members.length, adoptMs: Date.now() - started },
          'shard: share changed',
        );
      }
      if (this.#failing) deps.logger.info('shard: leases renewed again');
      this.#failing = false;
    } catch (error) {
      // Collecting goes on with the symbols held: history keeps recording them, and the fence keeps
      // their Redis writes out if another collector takes them meanwhile.
      if (!this.#failing) deps.logger.warn({ err: error }, 'shard: lease round failed; collecting the held symbols on');
      this.#failing = true;
    }
  }

  async #members(): Promise<string[]> {
    const { client, keys, collectorId, ttlMs } = this.#deps;
    const reply = (await withScripts(client, [MEMBERS], () =>
      client.evalSha(MEMBERS.sha, { keys: [keys.members], arguments: [collectorId, String(ttlMs)] }),
    )) as unknown[];
    const members = reply.map(String);
    if (!members.includes(collectorId)) members.push(collectorId);
    return members;
  }

  async #claim(wanted: readonly string[], release: readonly string[]): Promise<number[]> {
    const { client, keys, token, ttlMs } = this.#deps;
    if (wanted.length + release.length === 0) return [];
    return (await withScripts(client, [CLAIM], () =>
      client.evalSha(CLAIM.sha, { keys: [...wanted, ...release].map(keys.lease), arguments: [token, String(ttlMs), String(wanted.length)] }),
    )) as number[];
  }

  /** Prepares each gained symbol to resume from the record, then queues it for the next cycle. */
  async #adopt(gained: readonly SymbolSpec[]): Promise<void> {
    const { history, window, analytics, logger } = this.#deps;
    for (const spec of gained) this.#held.add(spec.symbol);
    await mapBounded(gained, 8, async (spec) => {
      await recoverFromWindow([spec], history, window);
      const last = await history.lastBar(spec.symbol);
      if (analytics) {
        analytics.reset(spec);
        await analytics.warm([spec], history, window, logger);
      }
      // lost again while it was being prepared (fenced, or a later round): not added
      // (a removal still queued stays: the old cursor goes, then the fresh one comes)
      if (this.#held.has(spec.symbol)) this.#toAdd.set(spec.symbol, { spec, last });
    });
  }

  #lose(symbol: string): void {
    if (!this.#held.delete(symbol)) return;
    this.#toAdd.delete(symbol);
    this.#toRemove.add(symbol);
  }

  /** Graceful stop: give every lease back and leave the members, so the others take over at once. */
  async leave(): Promise<void> {
    this.#leaving = true;
    clearInterval(this.#timer);
    await this.#round;
    const { client, keys, collectorId } = this.#deps;
    if (!this.#deps.redisUp()) return;
    await this.#claim([], [...this.#held]);
    await client.zRem(keys.members, collectorId);
  }
}
