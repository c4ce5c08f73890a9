/**
 * A cursor over JSON text as UTF-8 bytes, for the provider readers that take the few fields they
 * keep straight from a reply's bytes instead of JSON.parse-ing every string of it. It checks the
 * grammar of everything it passes (RFC 8259), so a reader that reaches the end of a body knows
 * JSON.parse would have accepted it; anything it cannot take as it stands (a malformed body, a
 * shape the reader does not expect) throws NOT_PLAIN, and the reader falls back to JSON.parse.
 */
export const NOT_PLAIN = Symbol('not plain JSON');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** byte → 1 where JSON allows whitespace */
const SPACE = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) SPACE[c] = 1;
/** byte → 0 for what a string holds as it is (printable ASCII but `"` and `\`), 1 otherwise */
const SPECIAL = new Uint8Array(256).fill(1, 0, 0x20).fill(1, 0x80);
SPECIAL[QUOTE] = 1;
SPECIAL[BACKSLASH] = 1;
/** escape letters JSON allows after a backslash (besides u) */
const ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') ESCAPE[c.charCodeAt(0)] = 1;
const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

const fail = (): never => {
  throw NOT_PLAIN;
};

const encoder = new TextEncoder();
/** A key as the bytes of its JSON string, quotes left out, to compare keys without decoding them. */
export const keyBytes = (key: string): Uint8Array => encoder.encode(key);

export class JsonBytes {
  pos = 0;
  /** set by `string()`: the string read had an escape, or a byte outside ASCII */
  special = false;
  readonly #utf8 = new TextDecoder();

  constructor(readonly b: Uint8Array) {}

  /** Skips whitespace; returns the byte there (-1 at the end). */
  peek(): number {
    const b = this.b;
    let i = this.pos;
    while (i < b.length && SPACE[b[i]!] === 1) i++;
    this.pos = i;
    return i < b.length ? b[i]! : -1;
  }

  expect(c: number): void {
    if (this.peek() !== c) fail();
    this.pos++;
  }

  /** After a value inside `{…}` or `[…]`: true if another follows (a comma), false at the closing `close`. */
  more(close: number): boolean {
    const c = this.peek();
    this.pos++;
    if (c === 0x2c) return true;
    if (c !== close) fail();
    return false;
  }

  /** Enters `{` or `[`: false when it is empty (and passed). */
  open(open: number, close: number): boolean {
    this.expect(open);
    if (this.peek() !== close) return true;
    this.pos++;
    return false;
  }

  /** Reads a string: returns the index of its first byte, `pos` is past its closing quote (so its bytes end at pos − 1). */
  string(): number {
    if (this.peek() !== QUOTE) fail();
    const b = this.b;
    const start = this.pos + 1;
    let special = false;
    let i = start;
    for (;;) {
      while (SPECIAL[b[i]!] === 0) i++;
      if (i >= b.length) fail();
      const c = b[i]!;
      if (c === QUOTE) break;
      if (c < 0x20) fail();
      if (c >= 0x80) special = true;
      else if (c === BACKSLASH) {
        special = true;
        const e = b[i + 1] ?? 0;
        if (e === 0x75) {
          if (!(isHex(b[i + 2] ?? 0) && isHex(b[i + 3] ?? 0) && isHex(b[i + 4] ?? 0) && isHex(b[i + 5] ?? 0))) fail();
          i += 5;
        } else if (ESCAPE[e] === 1) i++;
        else fail();
      }
      i++;
    }
    this.pos = i + 1;
    this.special = special;
    return start;
  }

  /** The string whose bytes are [start, end), as JSON.parse gives it (`special`: as `string()` set it). */
  text(start: number, end: number, special: boolean): string {
    if (!special) return latin1(this.b, start, end);
    return JSON.parse(this.#utf8.decode(this.b.subarray(start - 1, end + 1))) as string;
  }

  /** Whether the bytes [start, end) are `key`'s. */
  is(start: number, end: number, key: Uint8Array): boolean {
    if (end - start !== key.length) return false;
    const b = this.b;
    for (let i = 0; i < key.length; i++) if (b[start + i] !== key[i]) return false;
    return true;
  }

  /** Passes any JSON value, checking its grammar. */
  skip(): void {
    const c = this.peek();
    if (c === QUOTE) this.string();
    else if (c === 0x7b) {
      if (!this.open(0x7b, 0x7d)) return;
      do {
        this.string();
        this.expect(0x3a);
        this.skip();
      } while (this.more(0x7d));
    } else if (c === 0x5b) {
      if (!this.open(0x5b, 0x5d)) return;
      do this.skip();
      while (this.more(0x5d));
    } else if (c === 0x74) this.#word('true');
    else if (c === 0x66) this.#word('false');
    else if (c === 0x6e) this.#word('null');
    else this.#number();
  }

  /** At the end of the body, past trailing whitespace. */
  end(): void {
    if (this.peek() !== -1) fail();
  }

  #word(w: string): void {
    for (let i = 0; i < w.length; i++) if (this.b[this.pos + i] !== w.charCodeAt(i)) fail();
    this.pos += w.length;
  }

  #number(): void {
    const b = this.b;
    let i = this.pos;
    if (b[i] === 0x2d) i++;
    if (b[i] === 0x30) i++;
    else if (isDigit(b[i] ?? 0)) while (isDigit(b[i] ?? 0)) i++;
    else fail();
    if (b[i] === 0x2e) {
      i++;
      if (!isDigit(b[i] ?? 0)) fail();
      while (isDigit(b[i] ?? 0)) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (!isDigit(b[i] ?? 0)) fail();
      while (isDigit(b[i] ?? 0)) i++;
    }
    this.pos = i;
  }
}

function latin1(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * The number in an ASCII decimal string's bytes [start, end), as Number(string) gives it, or
 * NaN when the string is not of the plain form -?digits(.digits)? with at most 15 digits. Up to
 * 15 digits the digits are an exact integer below 2^53 and 10^k is exact, so the one division
 * rounds exactly as Number() does (Clinger's fast path); anything else is the caller's to parse.
 */
export function plainDecimal(b: Uint8Array, start: number, end: number): number {
  let i = start;
  const negative = b[i] === 0x2d;
  if (negative) i++;
  if (i >= end) return Number.NaN;
  let m = 0;
  let digits = 0;
  let point = -1;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30);
      digits++;
    } else if (c === 0x2e && point < 0 && digits > 0) point = digits;
    else return Number.NaN;
  }
  if (digits > 15 || point === digits) return Number.NaN;
  const v = point < 0 ? m : m / POW10[digits - point]!;
  return negative ? -v : v;
}
