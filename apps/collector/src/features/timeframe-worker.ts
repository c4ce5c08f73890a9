/**
 * The timeframe thread's side (started by TimeframeThread): a TimeframeEngines over every
 * symbol, fed the 1m bars the main thread packed, writing everything each part made (hashes,
 * and the bars it completed into their sorted sets) to Redis on its own connection, and
 * answering once Redis has it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { redisKeys, setCodecSlabAllocator, type SymbolSpec } from '@marketpipe/core';
import { RedisBulkConnection } from '../redis/bulk-connection';
import { MAX_SPARE_BUFFERS, RespBuffer } from '../redis/resp-buffer';
import { intervalHashes } from '../redis/hash-writes';
import { BarSets } from '../redis/bar-sets';
import { collectBetweenCycles } from '../runtime';
import { readFeed } from './bar-feed';
import { warmUpTimeframeCode } from './jit-warm-up';
import { SlabPool } from './slab-pool';
import { TimeframeEngines } from './timeframe-stage';
import type { PartReply, TimeframeReply, TimeframeRequest, TimeframeWorkerData } from './timeframe-thread';

const data = workerData as TimeframeWorkerData;
const slabs = new SlabPool();
setCodecSlabAllocator(slabs.allocate);
const specs: readonly SymbolSpec[] = data.specs;
const symbols = specs.map((s) => s.symbol);
const keys = redisKeys(data.prefix);
const engines = new TimeframeEngines(specs, data.options);
warmUpTimeframeCode(data.options);
/** RESP encodings of the keys and symbols every part repeats */
const strings = new Map<string, Uint8Array>();
/** the higher intervals' sorted sets: only this thread adds to them while Redis is up (a refill is the main thread's) */
const sets = new BarSets(keys);
sets.prepare(new RespBuffer(1 << 10, strings), symbols, data.options.barIntervals);
const bulk = new RedisBulkConnection(data.redis.url, { timeoutMs: data.redis.timeoutMs });
const sources: string[] = [];
/** per symbol index: already reported as showing every feature interval */
const reported = new Uint8Array(specs.length);
/** buffers whose writes Redis answered, for the next parts (a part's buffer is busy until then) */
const spare: RespBuffer[] = [];
/**
 * Garbage collected once a cycle's parts are done (see collectBetweenCycles), re-armed by every part:
 * parts of a cycle come tens of ms apart at most, and the next cycle's a second after its first.
 */
const IDLE_GC_MS = 100;
const idleGc = setTimeout(collectBetweenCycles, IDLE_GC_MS).unref();

async function part(msg: Extract<TimeframeRequest, { kind: 'part' }>): Promise<PartReply> {
  for (const name of msg.sources) sources.push(name);
  slabs.begin();
  const shown: number[] = [];
  for (const fed of readFeed(msg.feed, symbols, sources)) {
    if (engines.update(specs[fed.index]!, fed.finals, fed.forming, fed.wallNow) && reported[fed.index] === 0) {
      reported[fed.index] = 1;
      shown.push(fed.index);
    }
  }
  const taken = engines.take(msg.states);
  const intervals = [...taken.keys()];
  // While Redis is down the main thread skips its writes, and its refill rewrites what they held (these too, from
  // history): what this thread knew of its sorted sets no longer holds once that refill has written them.
  if (!msg.write) {
    slabs.end();
    idleGc.refresh();
    sets.forget();
    return { intervals, shown };
  }
  const out = spare.pop()?.reset() ?? new RespBuffer(1 << 20, strings);
  for (const [interval, w] of taken) {
    intervalHashes(out, keys, interval, w);
    sets.upsert(out, w.finals);
  }
  slabs.end();
  idleGc.refresh();
  try {
    await bulk.exec(out);
  } catch (error) {
    sets.forget();
    return { intervals, shown, writeError: error instanceof Error ? error.message : String(error) };
  }
  if (spare.length < MAX_SPARE_BUFFERS) spare.push(out);
  return { intervals, shown };
}

function handle(msg: TimeframeRequest): { reply: Omit<TimeframeReply, 'id'> } | Promise<{ reply: Omit<TimeframeReply, 'id'> }> {
  switch (msg.kind) {
    case 'part':
      return part(msg).then((reply) => ({ reply: { part: reply } }));
    case 'load':
      for (const [index, slots] of msg.slots) engines.importSlots(specs[index]!, slots);
      return { reply: {} };
    case 'reset':
      for (const index of msg.indices) {
        engines.reset(specs[index]!);
        reported[index] = 0;
      }
      return { reply: {} };
    case 'latest':
      return { reply: { writes: engines.latest(msg.wallNow) } };
    case 'allStates':
      return { reply: { writes: engines.allStates() } };
  }
}

const failed = (error: unknown) => ({ reply: { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) } });

/**
 * Each message is handled as it arrives (a part up to its Redis write, which is queued on the
 * connection in arrival order); answers are sent in arrival order too, so the main thread's
 * takes resolve in the order they were made even when a later message needs no write.
 */
let answered: Promise<void> = Promise.resolve();
parentPort!.on('message', (msg: TimeframeRequest) => {
  let answer: ReturnType<typeof handle>;
  try {
    answer = handle(msg);
  } catch (error) {
    answer = failed(error);
  }
  const settled = Promise.resolve(answer).catch(failed);
  answered = answered.then(() => settled).then(({ reply }) => parentPort!.postMessage({ id: msg.id, ...reply } satisfies TimeframeReply));
});
