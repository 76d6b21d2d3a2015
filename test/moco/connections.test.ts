import http from 'node:http';
import https from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { MocoClient } from '../../src/moco/client.js';
import { createTrackedAgents } from '../../src/moco/connections.js';
import { type CountingServer, countingServer, eventually, TEST_CERT_FILE } from './counting-server.js';
import { expectMocoError } from './expect-moco-error.js';

const KEY = 'connections-secret-0a1b2c3d4e5f';
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(kind: 'http' | 'https'): Promise<CountingServer> {
  const server = await countingServer(kind);
  cleanups.push(() => server.close());
  return server;
}

function client(baseUrl: string, options: { idle?: boolean } = {}): MocoClient {
  const moco = new MocoClient({
    baseUrl,
    timeoutMs: 2000,
    caFile: baseUrl.startsWith('https') ? TEST_CERT_FILE : null,
  });
  if (options.idle !== false) cleanups.push(() => moco.close());
  return moco;
}

describe.each(['http', 'https'] as const)('MocoClient.warm over %s', (kind) => {
  it('opens a connection that sends nothing, and the next request goes out on it', async () => {
    const server = await start(kind);
    const moco = client(server.baseUrl);

    expect(await moco.warm()).toBe(true);
    expect(server.connections).toBe(1);
    if (kind === 'https') await eventually(() => server.handshakes === 1);
    expect(server.requests).toEqual([]);

    await moco.forKey(KEY).session();
    expect(server.connections).toBe(1);
    expect(server.requests).toMatchObject([{ label: 'GET /api/v1/session', connection: 1 }]);
  });

  it('opens nothing when an idle connection is in the pool, and one for two calls at once', async () => {
    const server = await start(kind);
    const moco = client(server.baseUrl);
    await moco.forKey(KEY).session();
    expect(await moco.warm()).toBe(true);
    expect(server.connections).toBe(1);

    const other = client(server.baseUrl);
    expect(await Promise.all([other.warm(), other.warm()])).toEqual([true, true]);
    expect(server.connections).toBe(2);
  });

  it('lets a warmed connection go after the idle time, so the next request opens its own', async () => {
    const server = await start(kind);
    const agents = createTrackedAgents({
      idleSocketMs: 50,
      caFile: kind === 'https' ? TEST_CERT_FILE : null,
    });
    cleanups.push(() => agents.destroy());
    await agents.warm(server.baseUrl);
    await eventually(() => server.closed === 1);

    const agent = kind === 'https' ? agents.httpsAgent : agents.httpAgent;
    await new Promise<void>((resolve, reject) => {
      (kind === 'https' ? https : http)
        .get(`${server.baseUrl}/session`, { agent }, (res) => res.resume().on('end', resolve))
        .on('error', reject);
    });
    expect(server.connections).toBe(2);
    expect(server.requests).toEqual([{ label: 'GET /api/v1/session', connection: 2 }]);
  });

  it('says false when nothing answers, and a request afterwards is unreachable, not uncertain', async () => {
    const server = await start(kind);
    const baseUrl = server.baseUrl;
    await server.close();
    const moco = client(baseUrl);

    expect(await moco.warm()).toBe(false);
    await expectMocoError(moco.forKey(KEY).session(), 'unreachable', [KEY]);
  });
});

describe('TLS', () => {
  it('resumes the TLS session on a later connection, a warmed one included', async () => {
    const server = await start('https');
    // Announced as `Keep-Alive: timeout=0`, which Node's agent takes as "do not keep it".
    server.setKeepAliveSeconds(0.05);
    const moco = client(server.baseUrl);
    await moco.forKey(KEY).session();
    await eventually(() => server.closed === 1);

    await moco.warm();
    await eventually(() => server.handshakes === 2);
    await moco.forKey(KEY).session();

    expect(server.connections).toBe(2);
    expect(server.resumed).toBe(1);
  });

  it('trusts the certificates of moco.caFile beside the built-in roots, and only with it', async () => {
    const server = await start('https');
    const trusting = client(server.baseUrl);
    await expect(trusting.forKey(KEY).session()).resolves.toMatchObject({ id: 933590696 });

    const plain = new MocoClient({ baseUrl: server.baseUrl, timeoutMs: 2000 });
    cleanups.push(() => plain.close());
    const error = await expectMocoError(plain.forKey(KEY).session(), 'unreachable', [KEY]);
    expect(error.message).toMatch(/SELF_SIGNED/);
  });

  it('refuses a CA file that has gone since the configuration was read', () => {
    expect(
      () =>
        new MocoClient({
          baseUrl: 'https://x.example/api/v1',
          timeoutMs: 2000,
          caFile: '/nonexistent/ca.pem',
        }),
    ).toThrow('moco.caFile: /nonexistent/ca.pem: file not found');
  });
});
