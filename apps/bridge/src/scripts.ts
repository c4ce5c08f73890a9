import { createHash } from 'node:crypto';
import type { Command } from './protocol';

const UPSTASH_ONLY_FLAGS = new Set(['allow-key-locking']);
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/**
 * Upstash's Redis accepts Lua shebang flags that open-source Redis refuses ("Unexpected flag
 * in script shebang"): @upstash/ratelimit ≥ 2.2 declares `#!lua flags=allow-key-locking`.
 * The bridge drops those flags before Redis sees the script and remembers which SHA the
 * client knows it by, so the client's EVALSHA of the original text finds the cached script.
 */
export class ScriptCompat {
  /** sha1 of the script as the client sent it → sha1 of what Redis actually cached */
  readonly #shas = new Map<string, string>();

  rewrite(command: Command): Command {
    const name = command[0]!.toUpperCase();
    if ((name === 'EVAL' || name === 'EVAL_RO') && command[1] !== undefined) {
      return [command[0]!, this.#strip(command[1]), ...command.slice(2)];
    }
    if ((name === 'EVALSHA' || name === 'EVALSHA_RO') && command[1] !== undefined) {
      return [command[0]!, this.#shas.get(command[1].toLowerCase()) ?? command[1], ...command.slice(2)];
    }
    if (name === 'SCRIPT' && command[1]?.toUpperCase() === 'LOAD' && command[2] !== undefined) {
      return [command[0]!, command[1], this.#strip(command[2])];
    }
    return command;
  }

  #strip(script: string): string {
    const match = /^#!lua[ \t]+flags=([^\r\n]*)/.exec(script);
    if (!match) return script;
    const flags = match[1]!.split(',').map((f) => f.trim());
    const kept = flags.filter((f) => !UPSTASH_ONLY_FLAGS.has(f));
    if (kept.length === flags.length) return script;
    const shebang = kept.length > 0 ? `#!lua flags=${kept.join(',')}` : '#!lua';
    const stripped = shebang + script.slice(match[0].length);
    this.#shas.set(sha1(script), sha1(stripped));
    return stripped;
  }
}
