const CR = 13;
const LF = 10;
const DOLLAR = 36;
const STAR = 42;
const ZERO = 48;
const encoder = new TextEncoder();

/** Write buffers a writer keeps for reuse once Redis answered them: the parts of a cycle in flight at once, typically. */
export const MAX_SPARE_BUFFERS = 8;

/**
 * Redis commands encoded as RESP into one growing Buffer, to go to the socket as a single write.
 * node-redis hands the socket two chunks per Buffer argument (its header, then the bytes): a
 * cycle of 70,000 hash fields became 140,000 socket writes, which cost the collector ~50 ms of
 * a 1-second cycle. Strings that repeat every cycle (symbols, keys) are encoded once and copied.
 */
export class RespBuffer {
  #buf: Uint8Array;
  #at = 0;
  /** commands written, so the connection knows how many replies to wait for */
  commands = 0;
  /** bulk-string encodings of strings seen before: `$<len>\r\n<bytes>\r\n` */
  readonly #strings: Map<string, Uint8Array>;

  constructor(initialBytes = 1 << 20, strings = new Map<string, Uint8Array>()) {
    this.#buf = new Uint8Array(initialBytes);
    this.#strings = strings;
  }

  get byteLength(): number {
    return this.#at;
  }

  /** The encoded commands (a view: valid until the next write into this buffer). */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#at);
  }

  /** Empties the buffer, keeping its memory, for the next batch of commands. */
  reset(): this {
    this.#at = 0;
    this.commands = 0;
    return this;
  }

  /** Starts a command of `args` arguments (its name counts as one); the arguments follow. */
  command(args: number, name: string): this {
    this.commands++;
    this.#room(16);
    this.#buf[this.#at++] = STAR;
    this.#digits(args);
    return this.string(name);
  }

  /** A string argument (keys, fields, numbers as text). */
  string(value: string): this {
    this.#copy(this.#strings.get(value) ?? this.#encode(value));
    return this;
  }

  /** Encodes a string the buffers will be given (a key) ahead of its first write, outside a cycle. */
  remember(value: string): void {
    if (!this.#strings.has(value)) this.#encode(value);
  }

  /** `$<len>\r\n<bytes>\r\n`, kept for the next time unless one-off (scores, heartbeats are not kept). */
  #encode(value: string): Uint8Array {
    const text = encoder.encode(value);
    const len = String(text.length);
    const encoded = new Uint8Array(len.length + text.length + 5);
    let at = 0;
    encoded[at++] = DOLLAR;
    for (let i = 0; i < len.length; i++) encoded[at++] = len.charCodeAt(i);
    encoded[at++] = CR;
    encoded[at++] = LF;
    encoded.set(text, at);
    at += text.length;
    encoded[at++] = CR;
    encoded[at] = LF;
    if (this.#strings.size < 200_000 && value.length <= 64) this.#strings.set(value, encoded);
    return encoded;
  }

  /** An integer argument (a score, a rank). */
  int(value: number): this {
    if (!Number.isSafeInteger(value)) return this.string(String(value));
    const text = String(value);
    this.#room(text.length + 16);
    this.#buf[this.#at++] = DOLLAR;
    this.#digits(text.length);
    for (let i = 0; i < text.length; i++) this.#buf[this.#at++] = text.charCodeAt(i);
    this.#buf[this.#at++] = CR;
    this.#buf[this.#at++] = LF;
    return this;
  }

  /** A binary argument (a msgpack value). */
  bulk(value: Uint8Array): this {
    this.#room(value.length + 16);
    this.#buf[this.#at++] = DOLLAR;
    this.#digits(value.length);
    this.#copy(value);
    this.#buf[this.#at++] = CR;
    this.#buf[this.#at++] = LF;
    return this;
  }

  /** Writes a count or length `n` (≥ 0) then CRLF, back to front (no reversing view to allocate). */
  #digits(n: number): void {
    const buf = this.#buf;
    let len = 1;
    for (let m = n; m >= 10; m = Math.floor(m / 10)) len++;
    let at = this.#at + len;
    this.#at = at;
    do {
      buf[--at] = ZERO + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
    buf[this.#at++] = CR;
    buf[this.#at++] = LF;
  }

  #copy(bytes: Uint8Array): void {
    this.#room(bytes.length);
    const buf = this.#buf;
    // A loop beats the native copy's call overhead for the short strings that dominate here.
    if (bytes.length < 48) for (let i = 0; i < bytes.length; i++) buf[this.#at++] = bytes[i]!;
    else {
      buf.set(bytes, this.#at);
      this.#at += bytes.length;
    }
  }

  #room(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const grown = new Uint8Array(Math.max(this.#buf.length * 2, this.#at + n));
    grown.set(this.#buf.subarray(0, this.#at));
    this.#buf = grown;
  }
}
