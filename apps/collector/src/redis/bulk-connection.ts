import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { RespBuffer } from './resp-buffer';

/** A reply Redis gave as an error (`-ERR …`), or a connection that failed or timed out. */
export class RedisBulkError extends Error {
  constructor(
    readonly code: 'reply_error' | 'connection' | 'timeout' | 'protocol',
    message: string,
  ) {
    super(message);
    this.name = 'RedisBulkError';
  }
}

interface Pending {
  replies: number;
  error: string | null;
  resolve(): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const CR = 13;
const LF = 10;
const MINUS = 45;
const PLUS = 43;
const COLON = 58;

/**
 * A second connection to Redis for the cycle's writes only: each batch of commands (a
 * RespBuffer) goes to the socket as one write, and its replies are counted, not decoded — the
 * commands sent here (HSET, ZADD, ZREM…, SET, INCR) all answer with one line: an integer,
 * OK, or an error. Reads, scripts and connection health stay with node-redis; this carries the
 * bytes node-redis would have split into two socket writes per value. It connects when first
 * used and again after a failure (the replicator decides when Redis is back), with the URL's
 * TLS, user, password and database.
 */
export class RedisBulkConnection {
  readonly #url: URL;
  readonly #timeoutMs: number;
  #socket: Socket | null = null;
  #connecting: Promise<Socket> | null = null;
  readonly #pending: Pending[] = [];
  #lineStart = true;
  #lineKind = 0;
  #errorText: number[] = [];

  constructor(url: string, opts: { timeoutMs: number }) {
    this.#url = new URL(url);
    this.#timeoutMs = opts.timeoutMs;
  }

  /** Sends the commands; resolves when Redis answered all of them, rejects on the first error reply. */
  async exec(commands: RespBuffer): Promise<void> {
    if (commands.commands === 0) return;
    const socket = await this.#connect();
    await new Promise<void>((resolve, reject) => {
      this.#expect(commands.commands, resolve, reject);
      socket.write(commands.bytes());
    });
  }

  close(): void {
    this.#fail(new RedisBulkError('connection', 'closed'));
  }

  #connect(): Promise<Socket> {
    if (this.#socket) return Promise.resolve(this.#socket);
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async #open(): Promise<Socket> {
    const url = this.#url;
    const tls = url.protocol === 'rediss:';
    const port = Number(url.port || 6379);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket = tls ? connectTls({ host, port, servername: host }) : connectTcp({ host, port });
    socket.setNoDelay(true);
    this.#lineStart = true;
    this.#socket = socket;
    // A socket given up on may still report its end: only the current one fails what waits.
    const current = () => this.#socket === socket;
    socket.on('data', (chunk: Buffer) => current() && this.#read(chunk));
    socket.on('error', (err) => current() && this.#fail(new RedisBulkError('connection', err.message)));
    socket.on('close', () => current() && this.#fail(new RedisBulkError('connection', 'connection closed')));
    const handshake = new RespBuffer(256);
    const password = decodeURIComponent(url.password);
    if (password) {
      const user = decodeURIComponent(url.username);
      if (user) handshake.command(3, 'AUTH').string(user).string(password);
      else handshake.command(2, 'AUTH').string(password);
    }
    const db = url.pathname.replace(/^\//, '');
    if (db && db !== '0') handshake.command(2, 'SELECT').string(db);
    if (handshake.commands > 0) {
      await new Promise<void>((resolve, reject) => {
        this.#expect(handshake.commands, resolve, reject);
        socket.write(handshake.bytes());
      });
    } else {
      await new Promise<void>((resolve, reject) => {
        let settled = false;
        const timer = afterIo(this.#timeoutMs, () => {
          if (settled) return;
          settled = true;
          this.#fail(new RedisBulkError('timeout', `no connection within ${this.#timeoutMs} ms`));
          reject(new RedisBulkError('timeout', `no connection within ${this.#timeoutMs} ms`));
        });
        const settle = (outcome: () => void) => () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          outcome();
        };
        socket.once(tls ? 'secureConnect' : 'connect', settle(resolve));
        socket.once('close', settle(() => reject(new RedisBulkError('connection', 'connection closed'))));
      });
    }
    return socket;
  }

  #expect(replies: number, resolve: () => void, reject: (error: Error) => void): void {
    const pending: Pending = { replies, error: null, resolve, reject, timer: undefined };
    pending.timer = afterIo(this.#timeoutMs, () => {
      if (this.#pending.includes(pending)) this.#fail(new RedisBulkError('timeout', `no reply within ${this.#timeoutMs} ms`));
    });
    this.#pending.push(pending);
  }

  /** Counts reply lines; every reply here is one line (`:n`, `+OK`, `-ERR …`). */
  #read(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (this.#lineStart) {
        this.#lineStart = false;
        this.#lineKind = byte;
        if (byte !== COLON && byte !== PLUS && byte !== MINUS) {
          return this.#fail(new RedisBulkError('protocol', `unexpected reply type "${String.fromCharCode(byte)}"`));
        }
        continue;
      }
      if (byte === LF) {
        this.#lineStart = true;
        this.#replied();
      } else if (this.#lineKind === MINUS && byte !== CR && this.#errorText.length < 500) this.#errorText.push(byte);
    }
  }

  #replied(): void {
    const head = this.#pending[0];
    if (!head) return this.#fail(new RedisBulkError('protocol', 'a reply nobody waited for'));
    if (this.#lineKind === MINUS) {
      head.error ??= String.fromCharCode(...this.#errorText);
      this.#errorText = [];
    }
    if (--head.replies > 0) return;
    this.#pending.shift();
    clearTimeout(head.timer);
    if (head.error) head.reject(new RedisBulkError('reply_error', head.error));
    else head.resolve();
  }

  /** The connection is no longer usable: everything waiting fails, the next exec reconnects. */
  #fail(error: RedisBulkError): void {
    const socket = this.#socket;
    this.#socket = null;
    this.#errorText = [];
    socket?.destroy();
    for (const p of this.#pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(error);
    }
  }
}

/**
 * A timeout that counts only if what it waits for has not arrived meanwhile: when the event loop
 * was blocked past `ms` (a large part computed at 20,000 symbols), the timer and the socket's
 * event are both due, and timers run before I/O; the verdict waits for the I/O phase, so a reply
 * that came in while the thread was busy is not taken for a dead Redis.
 */
function afterIo(ms: number, verdict: () => void): ReturnType<typeof setTimeout> {
  return setTimeout(() => setImmediate(verdict), ms);
}
