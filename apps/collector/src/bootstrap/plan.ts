import { INTERVAL_MS, type Interval, type ProviderName, type SymbolSpec } from '@marketpipe/core';
import { WINDOW_MS, type QuotaLimit } from '../providers/quota';
import type { Checkpoint } from '../history/checkpoints';
import { HISTORY_LIMITS, splitRange, type HistoryTier } from '../providers/history-limits';

/** What a bootstrap already holds for one symbol at one resolution (a backfill_checkpoints row). */
export type Coverage = Omit<Checkpoint, 'updatedAt'>;

/** One provider request of the plan. */
export interface BootstrapTask {
  symbol: string;
  provider: ProviderName;
  interval: Interval;
  from: number;
  to: number;
}

export interface PlanInput {
  specs: readonly SymbolSpec[];
  /** the usable providers (keys present), in PROVIDERS order, and which symbols each maps */
  providers: ReadonlyArray<{ name: ProviderName; supports(spec: SymbolSpec): boolean }>;
  limits: Partial<Record<ProviderName, readonly QuotaLimit[]>>;
  coverage: readonly Coverage[];
  /** the window to hold: [from, to] bar open times (retention start, last complete minute) */
  from: number;
  to: number;
  /** market time: provider history limits are ages from it */
  now: number;
}

export interface BootstrapPlan {
  /** per symbol, in the order they must run (each extends its coverage row contiguously) */
  tasks: Map<string, BootstrapTask[]>;
  requests: Partial<Record<ProviderName, number>>;
  /** bars the tasks cover at most (every minute of the window; closed markets hold fewer) */
  maxBars: number;
  /** time the quotas alone impose (ms) */
  estimatedMs: number;
  /** window parts no configured provider can serve, per symbol */
  unreachable: Array<{ symbol: string; from: number; to: number }>;
}

interface Choice {
  provider: ProviderName;
  tier: HistoryTier;
}

/**
 * The cheapest set of requests that fills each symbol's window: the window is cut where a
 * provider's reach at some resolution ends; each piece goes to the finest resolution any
 * provider reaches there, and among those to the one whose quota delivers it soonest (the
 * request spacing its quota imposes ÷ what a request covers); what coverage already holds
 * at that resolution or finer is left out.
 */
export function planBootstrap(input: PlanInput): BootstrapPlan {
  const tasks = new Map<string, BootstrapTask[]>();
  const requests: Partial<Record<ProviderName, number>> = {};
  const unreachable: BootstrapPlan['unreachable'] = [];
  let maxBars = 0;
  for (const spec of input.specs) {
    const list: BootstrapTask[] = [];
    for (const seg of segments(spec, input)) {
      if (!seg.choice) {
        unreachable.push({ symbol: spec.symbol, from: seg.from, to: seg.to });
        continue;
      }
      const { provider, tier } = seg.choice;
      const step = INTERVAL_MS[tier.interval];
      const held = input.coverage.filter((c) => c.symbol === spec.symbol && INTERVAL_MS[c.interval] <= step);
      const own = input.coverage.find((c) => c.symbol === spec.symbol && c.interval === tier.interval);
      for (const gap of subtract(Math.ceil(seg.from / step) * step, Math.floor(seg.to / step) * step, held, step)) {
        const chunks = splitRange(gap.from, gap.to, tier).map((r) => ({ symbol: spec.symbol, provider, interval: tier.interval, ...r }));
        // A gap just below what is held is walked newest first, so every chunk done extends the row.
        if (own && gap.to + step === own.from) chunks.reverse();
        list.push(...chunks);
        requests[provider] = (requests[provider] ?? 0) + chunks.length;
        maxBars += (gap.to - gap.from) / step + 1;
      }
    }
    tasks.set(spec.symbol, list);
  }
  return { tasks, requests, maxBars, estimatedMs: estimate(requests, input.limits), unreachable };
}

/** The window cut at every provider's reach, each piece with its best choice (null: none reaches it). */
function segments(spec: SymbolSpec, input: PlanInput): Array<{ from: number; to: number; choice: Choice | null }> {
  const offers = input.providers.filter((p) => p.supports(spec)).flatMap((p) => HISTORY_LIMITS[p.name].map((tier) => ({ provider: p.name, tier })));
  const cuts = [...new Set(offers.map((o) => input.now - o.tier.maxAgeMs))].filter((t) => t > input.from && t <= input.to).sort((a, b) => a - b);
  const bounds = [input.from, ...cuts, input.to + 1];
  const out: Array<{ from: number; to: number; choice: Choice | null }> = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const from = bounds[i]!;
    const reach = offers.filter((o) => input.now - o.tier.maxAgeMs <= from);
    const choice = best(reach, input.limits);
    const to = bounds[i + 1]! - 1;
    const prev = out.at(-1);
    if (prev && sameChoice(prev.choice, choice)) prev.to = to;
    else out.push({ from, to, choice });
  }
  return out;
}

function best(offers: readonly Choice[], limits: PlanInput['limits']): Choice | null {
  let pick: Choice | null = null;
  let pickCost = Infinity;
  for (const o of offers) {
    const cost = spacingMs(limits[o.provider]) / (o.tier.span === 'month' ? 30 * 86_400_000 : o.tier.span);
    const finer = pick === null || INTERVAL_MS[o.tier.interval] < INTERVAL_MS[pick.tier.interval];
    if (finer || (INTERVAL_MS[o.tier.interval] === INTERVAL_MS[pick!.tier.interval] && cost < pickCost)) {
      pick = o;
      pickCost = cost;
    }
  }
  return pick;
}

const sameChoice = (a: Choice | null, b: Choice | null) => a?.provider === b?.provider && a?.tier === b?.tier;

/** [from, to] minus the held ranges, as ranges of whole `step`s. */
function subtract(from: number, to: number, held: readonly Coverage[], step: number): Array<{ from: number; to: number }> {
  let gaps = from <= to ? [{ from, to }] : [];
  for (const h of held) {
    gaps = gaps.flatMap((g) => {
      if (h.to < g.from || h.from > g.to) return [g];
      const parts = [];
      if (h.from > g.from) parts.push({ from: g.from, to: Math.ceil(h.from / step) * step - step });
      if (h.to < g.to) parts.push({ from: Math.floor(h.to / step) * step + step, to: g.to });
      return parts.filter((p) => p.from <= p.to);
    });
  }
  return gaps;
}

/** The even spacing a provider's quotas impose between requests (0: unmetered). */
function spacingMs(limits: readonly QuotaLimit[] | undefined): number {
  return (limits ?? []).reduce((max, l) => Math.max(max, WINDOW_MS[l.window] / l.limit), 0);
}

/**
 * How long the quotas make the plan take: providers run side by side, each sending as fast as
 * its per-minute limit lets it until its day's quota is spent, then waiting for the next day.
 */
function estimate(requests: BootstrapPlan['requests'], limits: PlanInput['limits']): number {
  let longest = 0;
  for (const [provider, n] of Object.entries(requests) as Array<[ProviderName, number]>) {
    const perMin = limits[provider]?.find((l) => l.window === 'minute')?.limit ?? Infinity;
    const perDay = limits[provider]?.find((l) => l.window === 'day')?.limit ?? Infinity;
    const fullDays = Number.isFinite(perDay) ? Math.floor((n - 1) / perDay) : 0;
    const rest = fullDays === 0 ? n : n - fullDays * perDay;
    longest = Math.max(longest, fullDays * 86_400_000 + (Number.isFinite(perMin) ? Math.ceil(rest / perMin) * 60_000 : 0));
  }
  return longest;
}
