import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSimulator, type SimCliOptions, simulatorOptionsFrom } from '../../src/commands/sim.js';
import { CliError } from '../../src/exit.js';
import { createLogger } from '../../src/log.js';
import { MocoClient } from '../../src/moco/client.js';
import { startSimulator } from '../../src/moco/sim/server.js';
import { DEMO_USERS } from '../../src/moco/sim/users.js';
import { TEST_CERT_FILE, TEST_KEY_FILE } from '../moco/counting-server.js';

function usageError(cli: SimCliOptions): CliError {
  try {
    simulatorOptionsFrom(cli);
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('simulatorOptionsFrom', () => {
  it('turns the options into simulator options', () => {
    expect(
      simulatorOptionsFrom({
        port: '8080',
        timezone: 'Europe/Berlin',
        offsetMinutes: '-90',
        legacyEmptyTouch: true,
      }),
    ).toEqual({
      port: 8080,
      timeZone: 'Europe/Berlin',
      offsetMs: -90 * 60_000,
      users: DEMO_USERS,
      legacyEmptyTouchBody: true,
      variants: {},
    });
    expect(simulatorOptionsFrom({ override: 'honoured', deleteAnswer: 'empty' }).variants).toEqual({
      override: 'honoured',
      deleteAnswer: 'empty',
    });
  });

  it.each<[string, SimCliOptions, RegExp]>([
    ['a port out of range', { port: '70000' }, /--port must be an integer from 0 to 65535/],
    ['a port that is no number', { port: '80a' }, /--port/],
    ['an unknown zone', { timezone: 'Europe/Atlantis' }, /unknown time zone "Europe\/Atlantis"/],
    ['a fractional offset', { offsetMinutes: '1.5' }, /--offset-minutes/],
    ['a missing users file', { users: '/nonexistent/users.yaml' }, /users\.yaml/],
    ['an unknown override reading', { override: 'maybe' }, /--override must be one of honoured, ignored/],
    ['an unknown delete answer', { deleteAnswer: '201' }, /--delete-answer must be one of object, empty/],
    [
      'an idle time of 0',
      { keepAliveSeconds: '0' },
      /--keep-alive-seconds must be an integer from 1 to 3600/,
    ],
    ['a certificate without its key', { tlsCert: TEST_CERT_FILE }, /--tls-cert and --tls-key go together/],
    [
      'an unreadable key',
      { tlsCert: TEST_CERT_FILE, tlsKey: '/nonexistent/key.pem' },
      /--tls-key: cannot read \/nonexistent\/key\.pem \(ENOENT\)/,
    ],
  ])('refuses %s with exit code 2', (_name, cli, message) => {
    const error = usageError(cli);
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
  });

  it('keeps idle connections open as long as told, and says so in Keep-Alive', async () => {
    expect(simulatorOptionsFrom({ keepAliveSeconds: '60' }).keepAliveSeconds).toBe(60);
    expect(simulatorOptionsFrom({}).keepAliveSeconds).toBeUndefined();
    const sim = await startSimulator({ port: 0, timeZone: 'UTC', keepAliveSeconds: 60 });
    try {
      const response = await fetch(`${sim.baseUrl}/session`, {
        headers: { authorization: 'Token token=demo-key-ben' },
      });
      expect(response.headers.get('keep-alive')).toBe('timeout=60');
    } finally {
      await sim.close();
    }
  });

  it('loads the users file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cmd-'));
    const path = join(dir, 'users.json');
    writeFileSync(path, JSON.stringify([{ id: 3, firstname: 'Ida', lastname: 'Lenz', apiKey: 'k3' }]));
    try {
      expect(simulatorOptionsFrom({ users: path, timezone: 'UTC' }).users).toEqual([
        { id: 3, firstname: 'Ida', lastname: 'Lenz', apiKey: 'k3' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('runSimulator', () => {
  it('serves HTTPS with --tls-cert and --tls-key, to a client trusting the certificate', async () => {
    let output = '';
    let stop = (): void => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const options = simulatorOptionsFrom({ timezone: 'UTC', tlsCert: TEST_CERT_FILE, tlsKey: TEST_KEY_FILE });
    const running = runSimulator(options, {
      out: (text) => {
        output += text;
      },
      logger: createLogger('silent'),
      untilStopped: () => stopped,
    });
    while (output === '') await new Promise((resolve) => setTimeout(resolve, 5));
    const baseUrl = /listening: (https:\/\/127\.0\.0\.1:\d+\/api\/v1)/.exec(output)?.[1] as string;
    const moco = new MocoClient({ baseUrl, timeoutMs: 2000, caFile: TEST_CERT_FILE });
    try {
      await expect(moco.forKey('demo-key-ben').session()).resolves.toMatchObject({ id: 1002 });
    } finally {
      moco.close();
      stop();
      await running;
    }
  });

  it('prints the base URL and the users, logs each request and stops when told', async () => {
    let output = '';
    const logLines: string[] = [];
    let stop = (): void => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const running = runSimulator(simulatorOptionsFrom({ timezone: 'UTC' }), {
      out: (text) => {
        output += text;
      },
      logger: createLogger('info', { write: (line: string) => logLines.push(line) }),
      untilStopped: () => stopped,
    });
    while (output === '') await new Promise((resolve) => setTimeout(resolve, 5));
    const baseUrl = /listening: (http:\/\/127\.0\.0\.1:\d+\/api\/v1)/.exec(output)?.[1];
    expect(baseUrl).toBeDefined();
    expect(output).toContain('Anna Schmidt  id 1001  key demo-key-anna');
    expect(output).toContain('key demo-key-clara  (staff)');

    const response = await fetch(`${baseUrl}/session`, {
      headers: { Authorization: 'Token token=demo-key-ben' },
    });
    expect(response.status).toBe(200);
    expect(logLines.map((line) => JSON.parse(line))).toMatchObject([
      { msg: 'request', method: 'GET', path: '/api/v1/session', status: 200, userId: 1002 },
    ]);
    expect(logLines.join('')).not.toContain('demo-key-ben');

    stop();
    await running;
    await expect(fetch(`${baseUrl}/session`)).rejects.toThrow();
  });
});
