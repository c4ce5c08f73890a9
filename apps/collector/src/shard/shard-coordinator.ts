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

/** The feature engines of a symbol taken over are rebuilt from its successor's state and history. */
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
  /** false while Redis is unreachable: leases cannot be renewed nor taken, the held symbols are kept */
  redisUp: () => boolean;
  logger: Logger;
}

/**
 * Lease-based sharing of one symbol set between collectors, through Redis only. Before each
 * cycle: record this collector as live and read who else is (MEMBERS), work out its share by
 * rendezvous hashing, then in one script renew the leases it holds, take the free ones of its
 * share and give up the rest (CLAIM). A symbol it gains resumes from history: bars only the
 * window has (a predecessor killed before its flush) are copied into history first, the
 * cursor starts after history's last bar, and the feature engine is warmed from the state its
 * predecessor saved. A symbol whose lease is gone (expired while paused, or fenced at a write)
 * is dropped before the next fetch.
 */
export class ShardCoordinator {
  readonly #deps: ShardDeps;
  readonly #held = new Set<string>();
  readonly #fenced = new Set<string>();
  #leaving = false;
  #failing = false;

  constructor(deps: ShardDeps) {
    this.#deps = deps;
  }

  /** the symbols this collector holds leases on now */
  get held(): ReadonlySet<string> {
    return this.#held;
  }

  /** Called by the fenced window: these writes were refused, so the leases are no longer ours. */
  fenced(symbols: readonly string[]): void {
    for (const s of symbols) this.#fenced.add(s);
  }

  async beforeCycle(): Promise<void> {
    const deps = this.#deps;
    for (const s of this.#fenced) this.#drop(s);
    this.#fenced.clear();
    if (this.#leaving || !deps.redisUp()) return;
    try {
      const members = await this.#members();
      const share = shareOf(deps.collectorId, deps.specs, members);
      const wanted = new Set(share.map((s) => s.symbol));
      const release = [...this.#held].filter((s) => !wanted.has(s));
      const answers = await this.#claim(share.map((s) => s.symbol), release);
      for (const s of release) this.#drop(s);
      const gained: SymbolSpec[] = [];
      share.forEach((spec, i) => {
        if (answers[i] === 0) this.#drop(spec.symbol);
        else if (!this.#held.has(spec.symbol)) gained.push(spec);
      });
      if (gained.length > 0) await this.#adopt(gained);
      if (gained.length > 0 || release.length > 0) {
        deps.logger.info({ gained: gained.length, released: release.length, held: this.#held.size, members: members.length }, 'shard: share changed');
      }
      if (this.#failing) deps.logger.info('shard: leases renewed again');
      this.#failing = false;
    } catch (error) {
      // The cycle goes on with the symbols held: history keeps recording them, and the fence keeps
      // their Redis writes out if another collector took them meanwhile.
      if (!this.#failing) deps.logger.warn({ err: error }, 'shard: lease round trip failed; collecting the held symbols on');
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

  /** Resume each gained symbol from the record; renew once more if that took a good part of the TTL. */
  async #adopt(gained: readonly SymbolSpec[]): Promise<void> {
    const { history, window, analytics, logger, target, ttlMs } = this.#deps;
    const started = Date.now();
    await mapBounded(gained, 8, async (spec) => {
      await recoverFromWindow([spec], history, window);
      const last = await history.lastBar(spec.symbol);
      if (analytics) {
        analytics.reset(spec);
        await analytics.warm([spec], history, window, logger);
      }
      target.addSymbol(spec, last);
      this.#held.add(spec.symbol);
    });
    if (Date.now() - started > ttlMs / 3) {
      const answers = await this.#claim([...this.#held], []);
      [...this.#held].forEach((s, i) => answers[i] === 0 && this.#drop(s));
    }
  }

  #drop(symbol: string): void {
    if (!this.#held.delete(symbol)) return;
    this.#deps.target.removeSymbol(symbol);
  }

  /** Graceful stop: give every lease back and leave the members, so the others take over at once. */
  async leave(): Promise<void> {
    this.#leaving = true;
    const { client, keys, collectorId } = this.#deps;
    if (!this.#deps.redisUp()) return;
    await this.#claim([], [...this.#held]);
    await client.zRem(keys.members, collectorId);
  }
}
