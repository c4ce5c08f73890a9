import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Fault } from './faults';

export interface FakeReply {
  status: number;
  body: string;
  contentType?: string;
}

/** Renders one request: `fault` is what the script says to do to this response. */
export type FakeHandler = (url: URL, fault: Fault) => FakeReply;

/**
 * A loopback HTTP server for one fake provider: scripted faults, request and TCP-connection
 * counters, and kill/restore on the same port (so a client sees "connection refused", then
 * the provider coming back).
 */
export class FakeServer {
  readonly #handler: FakeHandler;
  readonly #sockets = new Set<Socket>();
  readonly #held = new Set<ServerResponse>();
  #server: Server | null = null;
  #port = 0;
  #faults: Array<{ fault: Fault; times: number }> = [];
  requests = 0;
  connections = 0;
  readonly paths: string[] = [];

  constructor(handler: FakeHandler) {
    this.#handler = handler;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => this.#serve(req, res));
    server.on('connection', (socket) => {
      this.connections += 1;
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address && typeof address === 'object') this.#port = address.port;
    this.#server = server;
  }

  /** Applies `fault` to the next `times` requests (default: until changed); 'none' clears. */
  setFault(fault: Fault, times = Number.POSITIVE_INFINITY): void {
    this.#faults = fault === 'none' ? [] : [...this.#faults, { fault, times }];
  }

  /** Stops listening and drops every connection: the provider is unreachable. */
  async kill(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    for (const res of this.#held) res.destroy();
    this.#held.clear();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restore(): Promise<void> {
    if (!this.#server) await this.start();
  }

  stop(): Promise<void> {
    return this.kill();
  }

  #nextFault(): Fault {
    const head = this.#faults[0];
    if (!head) return 'none';
    head.times -= 1;
    if (head.times <= 0) this.#faults.shift();
    return head.fault;
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    this.requests += 1;
    const url = new URL(req.url ?? '/', this.url);
    this.paths.push(url.pathname + url.search);
    const fault = this.#nextFault();
    if (fault === 'timeout') {
      this.#held.add(res);
      res.on('close', () => this.#held.delete(res));
      return;
    }
    if (fault === 'http500') return void res.writeHead(500, { 'content-type': 'text/html' }).end('<html>Internal Server Error</html>');
    const reply = this.#handler(url, fault);
    const body = fault === 'malformed_json' ? reply.body.slice(0, Math.floor(reply.body.length / 2)) : reply.body;
    res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' }).end(body);
  }
}
