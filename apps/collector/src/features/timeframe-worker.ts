/**
 * The timeframe thread's side (started by TimeframeThread): a TimeframeEngines over every
 * symbol, fed the 1m bars the main thread packed, answering each part with the hash writes it
 * made already encoded as RESP, so the main thread only appends bytes to its cycle's write.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { redisKeys, type SymbolSpec } from '@marketpipe/core';
import { RespBuffer } from '../redis/resp-buffer';
import { intervalHashes } from '../redis/hash-writes';
import { readFeed } from './bar-feed';
import { TimeframeEngines } from './timeframe-stage';
import type { EncodedPart, TimeframeReply, TimeframeRequest, TimeframeWorkerData } from './timeframe-thread';

const data = workerData as TimeframeWorkerData;
const specs: readonly SymbolSpec[] = data.specs;
const symbols = specs.map((s) => s.symbol);
const keys = redisKeys(data.prefix);
const engines = new TimeframeEngines(specs, data.options);
const sources: string[] = [];
/** per symbol index: already reported as showing every feature interval */
const reported = new Uint8Array(specs.length);
/** reused: a part's commands are copied out of it into a buffer of their exact size */
const out = new RespBuffer(1 << 20);

function part(msg: Extract<TimeframeRequest, { kind: 'part' }>): { reply: EncodedPart; transfer: ArrayBuffer[] } {
  for (const name of msg.sources) sources.push(name);
  const shown: number[] = [];
  for (const fed of readFeed(msg.feed, symbols, sources)) {
    if (engines.update(specs[fed.index]!, fed.finals, fed.forming, fed.wallNow) && reported[fed.index] === 0) {
      reported[fed.index] = 1;
      shown.push(fed.index);
    }
  }
  out.reset();
  const ranges: EncodedPart['ranges'] = [];
  const finals: EncodedPart['finals'] = [];
  for (const [interval, w] of engines.take(msg.states)) {
    const start = out.byteLength;
    const commands = out.commands;
    intervalHashes(out, keys, interval, w);
    ranges.push([interval, start, out.byteLength, out.commands - commands]);
    if (w.finals.length > 0) finals.push([interval, w.finals]);
  }
  const bytes = out.bytes().slice();
  return { reply: { bytes, ranges, finals, shown }, transfer: [bytes.buffer] };
}

function handle(msg: TimeframeRequest): { reply: Omit<TimeframeReply, 'id'>; transfer?: ArrayBuffer[] } {
  switch (msg.kind) {
    case 'part': {
      const { reply, transfer } = part(msg);
      return { reply: { part: reply }, transfer };
    }
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

parentPort!.on('message', (msg: TimeframeRequest) => {
  let answer: { reply: Omit<TimeframeReply, 'id'>; transfer?: ArrayBuffer[] };
  try {
    answer = handle(msg);
  } catch (error) {
    answer = { reply: { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) } };
  }
  parentPort!.postMessage({ id: msg.id, ...answer.reply } satisfies TimeframeReply, answer.transfer ?? []);
});
