import { resultOf, type BinaryPipeline, type BinaryReply } from './binary-pipeline';

const sha1 = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text)))].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * A Lua script run in one round trip: EVALSHA, so the script's text crosses the network only
 * when Redis has forgotten it (a restart, SCRIPT FLUSH), and then once, by EVAL.
 */
export class LuaScript {
  #sha: Promise<string> | undefined;

  constructor(private readonly text: string) {}

  async run(redis: BinaryPipeline, what: string, keys: readonly string[], args: readonly (string | number)[]): Promise<BinaryReply> {
    this.#sha ??= sha1(this.text);
    const byHash = ['EVALSHA', await this.#sha, keys.length, ...keys, ...args];
    const [entry] = await redis.entries(what, [byHash]);
    if (entry && 'error' in entry && entry.error.startsWith('NOSCRIPT')) {
      return (await redis.exec(what, [['EVAL', this.text, keys.length, ...keys, ...args]]))[0] ?? null;
    }
    return resultOf(what, entry ?? { error: 'no reply' }, 0, byHash);
  }
}
