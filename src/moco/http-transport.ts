import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Timers } from '../time/timers.js';
import type { TrackedAgents } from './connections.js';
import { MocoError } from './errors.js';
import { errorFromTransport, type RequestLabel } from './http-errors.js';

export interface HttpRequest {
  /** Names the request in errors: method and path, never a query string or a header. */
  label: RequestLabel;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** For the whole exchange, from asking for a socket to the answer's last byte. */
  timeoutMs: number;
  /** Called once the request was handed to the connection: the wait for the answer begins. */
  onSent?: () => void;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * One HTTP exchange, no redirects followed and every status handed back: a followed redirect
 * would turn a POST into a GET and could carry the key to another host. A request that got no
 * answer rejects with a MocoError, `unreachable` only when no byte of it left this machine.
 */
export interface HttpTransport {
  send(request: HttpRequest): Promise<HttpAnswer>;
  /** See TrackedAgents.warm. */
  warm(origin: string): Promise<boolean>;
  close(): void;
}

/** An answer larger than this is no MOCO answer (a page of 100 presences is about 30 KB). */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/**
 * Node's http over our own agents. Node's own request is used rather than a client library: it
 * is the layer that knows which socket a request went out on, which decides `unreachable` against
 * `uncertain`, and it costs a warm request a third of what axios did (bench/README.md). The
 * deadline runs on the injected timers, so tests drive a timeout without waiting for one.
 */
export class NodeHttpTransport implements HttpTransport {
  constructor(
    private readonly agents: TrackedAgents,
    private readonly timers: Timers,
  ) {}

  send(request: HttpRequest): Promise<HttpAnswer> {
    return new Promise<HttpAnswer>((resolve, reject) => {
      let req: http.ClientRequest;
      try {
        req = this.open(request);
      } catch (error) {
        // A URL or header Node refuses: thrown before any socket exists, so nothing was sent.
        reject(errorFromTransport(request.label, (error as NodeJS.ErrnoException).code ?? 'UNKNOWN', false));
        return;
      }
      let done = false;
      const finish = (): boolean => {
        if (done) return false;
        done = true;
        this.timers.clearTimeout(deadline);
        return true;
      };
      const fail = (code: string): void => {
        if (done) return;
        // Asked before destroy(), which detaches the socket from the request.
        const sent = this.mayHaveBeenSent(req);
        finish();
        req.destroy();
        reject(errorFromTransport(request.label, code, sent));
      };
      const deadline = this.timers.setTimeout(() => fail('ETIMEDOUT'), request.timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? 'UNKNOWN'));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
          else if (finish()) {
            req.destroy();
            reject(tooLarge(request.label, res.statusCode ?? 0));
          }
        });
        res.on('end', () => {
          if (!finish()) return;
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        });
        // The connection closed before the answer's last byte.
        res.on('close', () => {
          if (!res.complete) fail('ECONNRESET');
        });
      });
      if (request.onSent !== undefined) req.once('finish', request.onSent);
      req.end(request.body);
    });
  }

  private open(request: HttpRequest): http.ClientRequest {
    const url = new URL(request.url);
    const secure = url.protocol === 'https:';
    const headers: Record<string, string | number> = { ...request.headers };
    if (request.body !== undefined) headers['Content-Length'] = Buffer.byteLength(request.body);
    return (secure ? https : http).request(url, {
      method: request.method,
      headers,
      agent: secure ? this.agents.httpsAgent : this.agents.httpAgent,
    });
  }

  warm(origin: string): Promise<boolean> {
    return this.agents.warm(origin);
  }

  close(): void {
    this.agents.destroy();
  }

  /**
   * Node holds a request back until its socket has connected (and, for https, handshaken), so a
   * request on a socket that never got there, or that got no socket at all, sent nothing.
   */
  private mayHaveBeenSent(req: http.ClientRequest): boolean {
    const socket: unknown = req.socket;
    if (socket === null || socket === undefined) return false;
    return this.agents.tracker.wasEstablished(socket) ?? true;
  }
}

function tooLarge(label: RequestLabel, status: number): MocoError {
  return new MocoError('protocol', `MOCO ${label} answered ${status} with more than 8 MiB`, { status });
}
