import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyScrubber } from '../../src/key-scrubber.js';
import { createLogger } from '../../src/log.js';
import { MocoClient } from '../../src/moco/client.js';
import { createTrackedAgents } from '../../src/moco/connections.js';
import { NodeHttpTransport } from '../../src/moco/http-transport.js';
import { ManualTimers } from '../fakes/timers.js';
import { expectMocoError } from './expect-moco-error.js';

/** Answers MOCO cannot produce on purpose: each test serves exactly the bytes it needs. */

const KEY = 'transport-secret-5e6f7a8b9c0d1e2f';
const SECRETS = [KEY];

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface TestServer {
  url: string;
  seen: Seen[];
  connections: number;
  closedConnections: number;
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: Server | ReturnType<typeof createServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  );
  return (server.address() as AddressInfo).port;
}

async function serve(handler: (req: Seen, res: ServerResponse) => void): Promise<TestServer> {
  const state: TestServer = { url: '', seen: [], connections: 0, closedConnections: 0 };
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      state.seen.push(seen);
      handler(seen, res);
    });
  });
  server.on('connection', (socket: Socket) => {
    state.connections += 1;
    socket.on('close', () => {
      state.closedConnections += 1;
    });
  });
  state.url = `http://127.0.0.1:${await listen(server)}/api/v1`;
  return state;
}

function client(baseUrl: string, timeoutMs = 2000): MocoClient {
  const moco = new MocoClient({ baseUrl, timeoutMs });
  cleanups.push(() => moco.close());
  return moco;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}

const PRESENCE = {
  id: 5,
  date: '2024-03-04',
  from: '08:00',
  to: null,
  is_home_office: false,
  user: { id: 7, firstname: 'Anna', lastname: 'Schmidt' },
  created_at: '2024-03-04T07:00:00Z',
  updated_at: '2024-03-04T07:00:00Z',
};

describe('MocoClient requests', () => {
  it('sends the token, the impersonation header and a JSON body', async () => {
    const server = await serve((_req, res) => json(res, 200, PRESENCE));
    const moco = client(server.url).forKey(KEY, { impersonateUserId: 7 });

    await moco.touch({ isHomeOffice: false });
    await moco.session().catch(() => undefined);

    const [touch, session] = server.seen;
    expect(touch?.method).toBe('POST');
    expect(touch?.url).toBe('/api/v1/users/presences/touch');
    expect(touch?.headers.authorization).toBe(`Token token=${KEY}`);
    expect(touch?.headers['x-impersonate-user-id']).toBe('7');
    expect(touch?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(touch?.body ?? '')).toEqual({ is_home_office: false });
    expect(session?.method).toBe('GET');
    expect(session?.headers['content-type']).toBeUndefined();
  });

  it('keeps one connection for consecutive requests and closes it on close()', async () => {
    const server = await serve((_req, res) => json(res, 200, { id: 7, uuid: 'u-7' }));
    const moco = new MocoClient({ baseUrl: server.url, timeoutMs: 2000 });
    const user = moco.forKey(KEY);
    await user.session();
    await user.session();
    await user.session();
    expect(server.connections).toBe(1);

    moco.close();
    await waitFor(() => server.closedConnections === 1);
  });

  it('logs one debug line per request with its status, and never the key', async () => {
    const server = await serve((_req, res) => json(res, 200, { id: 7, uuid: 'u-7' }));
    const lines: string[] = [];
    const logger = createLogger('debug', { write: (line: string) => lines.push(line) });
    const moco = new MocoClient({ baseUrl: server.url, timeoutMs: 2000, logger });
    cleanups.push(() => moco.close());
    await moco.forKey(KEY).session();

    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { level: 20, part: 'moco', request: 'GET /api/v1/session', status: 200, msg: 'moco request' },
    ]);
    expect(lines.join('')).not.toContain(KEY);
  });

  it('refuses a key that cannot be a header value, or a bad user id, without sending anything', async () => {
    const server = await serve((_req, res) => json(res, 200, PRESENCE));
    const badKey = `${KEY}\r\nX-Injected: 1`;
    await expectMocoError(client(server.url).forKey(badKey).touch(), 'unauthorized', [KEY, badKey]);
    await expectMocoError(client(server.url).forKey('').touch(), 'unauthorized', SECRETS);
    await expectMocoError(
      client(server.url).forKey(KEY, { impersonateUserId: 1.5 }).touch(),
      'invalid',
      SECRETS,
    );
    expect(server.seen).toEqual([]);
  });
});

describe('MocoClient while a request is on its way', () => {
  it("tells the transport's caller once the request is out, before the answer", async () => {
    let answer = () => {};
    const server = await serve((_req, res) => {
      answer = () => json(res, 200, { id: 1 });
    });
    const transport = new NodeHttpTransport(createTrackedAgents(), new ManualTimers());
    cleanups.push(() => transport.close());
    let sent = 0;
    const exchange = transport.send({
      label: 'GET /session',
      method: 'GET',
      url: `${server.url}/session`,
      headers: {},
      timeoutMs: 1000,
      onSent: () => {
        sent += 1;
      },
    });
    await waitFor(() => server.seen.length === 1 && sent === 1);
    answer();
    expect((await exchange).status).toBe(200);
    expect(sent).toBe(1);
  });

  it("works out a new key's variants while its request waits for the answer", async () => {
    class CountingScrubber extends KeyScrubber {
      prepared = 0;
      override prepare(): void {
        this.prepared += 1;
        super.prepare();
      }
    }
    const scrubber = new CountingScrubber();
    let answer = () => {};
    const server = await serve((_req, res) => {
      answer = () => json(res, 200, { id: 1, uuid: Buffer.from(KEY).toString('base64') });
    });
    const moco = new MocoClient({ baseUrl: server.url, timeoutMs: 2000, scrubber });
    cleanups.push(() => moco.close());
    const session = moco.forKey(KEY).session();
    expect(scrubber.prepared).toBe(0);
    await waitFor(() => server.seen.length === 1 && scrubber.prepared === 1);
    answer();
    await session;
    expect(scrubber.scrub(`echo ${Buffer.from(KEY).toString('base64')}`)).toBe('echo [redacted]');
  });
});

describe('MocoClient answers outside the API', () => {
  it('calls a 200 body that is not JSON a protocol error and keeps the text', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>maintenance</html>');
    });
    const error = await expectMocoError(client(server.url).forKey(KEY).touch(), 'protocol', SECRETS);
    expect(error.status).toBe(200);
    expect(error.body).toBe('<html>maintenance</html>');
  });

  it('calls JSON of the wrong shape a protocol error naming the field', async () => {
    const server = await serve((_req, res) => json(res, 200, { ...PRESENCE, from: 800 }));
    const error = await expectMocoError(client(server.url).forKey(KEY).touch(), 'protocol', SECRETS);
    expect(error.message).toContain('from');
  });

  it.each([
    [400, 'invalid'],
    [418, 'protocol'],
    [504, 'server'],
  ] as const)('maps status %i to %s', async (status, code) => {
    const server = await serve((_req, res) => json(res, status, { message: 'nope' }));
    const error = await expectMocoError(client(server.url).forKey(KEY).profile(), code, SECRETS);
    expect(error.status).toBe(status);
    expect(error.body).toEqual({ message: 'nope' });
  });

  it('turns a Retry-After date into a delay from the injected clock', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(429, { 'Retry-After': 'Sun, 06 Nov 1994 08:49:37 GMT' });
      res.end();
    });
    const clock = { now: () => Date.UTC(1994, 10, 6, 8, 49, 0) };
    const moco = new MocoClient({ baseUrl: server.url, timeoutMs: 2000, clock });
    cleanups.push(() => moco.close());
    const error = await expectMocoError(moco.forKey(KEY).session(), 'rate_limited', SECRETS);
    expect(error.retryAfterMs).toBe(37_000);
  });

  it('does not follow a redirect', async () => {
    const target = await serve((_req, res) => json(res, 200, PRESENCE));
    const server = await serve((_req, res) => {
      res.writeHead(302, { Location: `${target.url}/users/presences/touch` });
      res.end();
    });
    const error = await expectMocoError(client(server.url).forKey(KEY).touch(), 'protocol', SECRETS);
    expect(error.status).toBe(302);
    expect(target.seen).toEqual([]);
  });

  it('does not follow a next-page link to another host', async () => {
    const elsewhere = await serve((_req, res) => json(res, 200, []));
    const server = await serve((_req, res) =>
      json(res, 200, [PRESENCE], { Link: `<${elsewhere.url}/users/presences?page=2>; rel="next"` }),
    );
    await expectMocoError(client(server.url).forKey(KEY).listPresences(), 'protocol', SECRETS);
    expect(elsewhere.seen).toEqual([]);
  });

  it('stops at a next-page link that loops back', async () => {
    const server = await serve((req, res) =>
      // A relative link back to the page itself.
      json(res, 200, [PRESENCE], { Link: `<${req.url}>; rel="next"` }),
    );
    await expectMocoError(client(server.url).forKey(KEY).listPresences(), 'protocol', SECRETS);
    expect(server.seen).toHaveLength(1);
  });

  it('scrubs the key from a body that echoes it', async () => {
    const server = await serve((req, res) => json(res, 401, { message: `bad ${req.headers.authorization}` }));
    const error = await expectMocoError(client(server.url).forKey(KEY).touch(), 'unauthorized', SECRETS);
    expect(error.body).toEqual({ message: 'bad Token token=[redacted]' });
  });

  it('scrubs the key from a body that echoes it encoded, and from the error message', async () => {
    const server = await serve((req, res) =>
      json(res, 401, {
        header: Buffer.from(String(req.headers.authorization)).toString('base64'),
        hex: Buffer.from(KEY).toString('hex'),
      }),
    );
    const error = await expectMocoError(client(server.url).forKey(KEY).touch(), 'unauthorized', SECRETS);
    const text = `${error.message} ${JSON.stringify(error.body)}`;
    expect(text).not.toContain(Buffer.from(KEY).toString('hex'));
    expect(text).not.toContain(Buffer.from(`Token token=${KEY}`).toString('base64').slice(16, 32));
    expect(text).toContain('[redacted]');
  });
});

describe('MocoClient without an answer', () => {
  it('is unreachable when the TLS handshake never completes: no request byte left', async () => {
    const received: Buffer[] = [];
    const silent = createTcpServer((socket) => {
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      cleanups.push(() => {
        socket.destroy();
      });
    });
    const port = await listen(silent);
    const error = await expectMocoError(
      client(`https://127.0.0.1:${port}/api/v1`, 300).forKey(KEY).touch(),
      'unreachable',
      SECRETS,
    );
    expect(error.message).toContain('timed out');
    // Only the TLS ClientHello (record type 22) reached the server, never the HTTP request.
    expect(received[0]?.[0]).toBe(0x16);
    expect(Buffer.concat(received).includes('touch')).toBe(false);
  });

  it('is uncertain when the request was read but the connection dropped', async () => {
    const server = await serve((_req, res) => res.socket?.destroy());
    await expectMocoError(client(server.url).forKey(KEY).touch(), 'uncertain', SECRETS);
    expect(server.seen).toHaveLength(1);
  });

  it('is unreachable on a refused connection', async () => {
    const closed = createTcpServer();
    const port = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expectMocoError(
      client(`http://127.0.0.1:${port}/api/v1`).forKey(KEY).touch(),
      'unreachable',
      SECRETS,
    );
  });

  it('is unreachable when Node refuses to build the request: no socket, nothing sent', async () => {
    const transport = new NodeHttpTransport(createTrackedAgents(), new ManualTimers());
    cleanups.push(() => transport.close());
    const request = {
      label: 'GET /api/v1/session',
      method: 'GET',
      url: 'http://127.0.0.1:9/api/v1/session',
      headers: { 'X-Broken': 'a\r\nb' },
      timeoutMs: 1000,
    };
    await expectMocoError(transport.send(request), 'unreachable', SECRETS);
  });

  it('is uncertain when the deadline on the injected timers passes after the request was sent', async () => {
    const server = await serve(() => undefined);
    const timers = new ManualTimers();
    const moco = new MocoClient({ baseUrl: server.url, timeoutMs: 60_000, timers });
    cleanups.push(() => moco.close());
    const touch = moco.forKey(KEY).touch();
    await waitFor(() => server.seen.length === 1);
    expect(timers.delays).toEqual([60_000]);
    timers.fire();
    const error = await expectMocoError(touch, 'uncertain', SECRETS);
    expect(error.message).toContain('timed out');
  });

  it('counts the deadline to the last byte of the answer, not to its first', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"id":');
    });
    await expectMocoError(client(server.url, 300).forKey(KEY).session(), 'uncertain', SECRETS);
  });

  it('is uncertain when the connection drops in the middle of the answer', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('{"id":', () => res.socket?.destroy());
    });
    await expectMocoError(client(server.url).forKey(KEY).touch(), 'uncertain', SECRETS);
  });

  it('refuses an answer larger than any MOCO sends', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`"${'x'.repeat(9 * 1024 * 1024)}"`);
    });
    const error = await expectMocoError(client(server.url).forKey(KEY).session(), 'protocol', SECRETS);
    expect(error.status).toBe(200);
  });
});
