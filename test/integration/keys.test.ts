import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/status/report.js';
import { openStores } from '../../src/store/open.js';
import { systemClock } from '../../src/time/clock.js';
import {
  CLI,
  cli,
  createKiosk,
  type DaemonProcess,
  enrol,
  ensureBuilt,
  type Kiosk,
  parseJson,
  runDaemon,
} from './harness.js';

/** API keys at the edges: typed without echo, refused when malformed, scrubbed from every echo. */

const NOWHERE = 'http://127.0.0.1:9/api/v1';
const kiosks: Kiosk[] = [];
const daemons: DaemonProcess[] = [];

beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  for (const daemon of daemons.splice(0)) await daemon.kill9();
});
afterAll(() => {
  for (const kiosk of kiosks) kiosk.remove();
});

function fresh(baseUrl = NOWHERE): Kiosk {
  const kiosk = createKiosk({ baseUrl });
  kiosks.push(kiosk);
  return kiosk;
}

const run = (kiosk: Kiosk, args: string[], input?: string) =>
  cli([...args, '--config', kiosk.configPath], input);

/** What the badge store holds for a UID, decrypted, as the daemon would read it. */
function storedKey(kiosk: Kiosk, uid: string): string | null {
  const stores = openStores({ config: kiosk, env: {}, clock: systemClock, access: 'existing' });
  try {
    return stores.badges.find(uid)?.apiKey ?? null;
  } finally {
    stores.close();
  }
}

/**
 * Runs the CLI on a pseudo-terminal, answers the prompt with `typed`, and returns everything the
 * terminal showed, as a person at the keyboard would have seen it.
 */
function onTerminal(args: string[], typed: string): { code: number; screen: string } {
  const script = `
import os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
screen = b''
def read(until):
    global screen
    while until not in screen:
        ready, _, _ = select.select([fd], [], [], 10)
        if not ready:
            return
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            return
        if not chunk:
            return
        screen += chunk
read(b'MOCO API key')
os.write(fd, os.environ['TYPED'].encode() + b'\\r')
read(b'\\x00never')
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(screen)
sys.exit(os.waitstatus_to_exitcode(status))
`;
  const result = spawnSync('python3', ['-c', script, process.execPath, CLI, ...args], {
    env: { PATH: process.env.PATH, TYPED: typed },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status ?? -1, screen: result.stdout };
}

describe('badge add --key - on a terminal', { timeout: 60_000 }, () => {
  it('reads the key without showing it', () => {
    const kiosk = fresh();
    const key = 'key-typed-at-the-terminal-7f3a';
    const { code, screen } = onTerminal(
      ['badge', 'add', '04A1', '--key', '-', '--no-verify', '--config', kiosk.configPath],
      key,
    );
    expect(screen).toContain('MOCO API key (not shown): ');
    expect(screen).toContain('added badge 04A1 (key not verified');
    expect(screen).not.toContain(key);
    expect(screen).not.toContain(key.slice(0, 8));
    expect(code).toBe(0);
    expect(storedKey(kiosk, '04A1')).toBe(key);
  });
});

describe('keys with whitespace or control characters', { timeout: 60_000 }, () => {
  it('are refused from --key, stdin and an import, naming where, never showing the key', async () => {
    const kiosk = fresh();
    const bad = await run(kiosk, ['badge', 'add', '04A1', '--key', 'key with space', '--no-verify']);
    expect(bad).toEqual({
      code: 2,
      stdout: '',
      stderr: 'moco-timeclock: the API key of --key has a space at position 4\n',
    });
    const piped = await run(kiosk, ['badge', 'add', '04A1', '--key', '-', '--no-verify'], 'key\twith-tab\n');
    expect(piped.stderr).toBe('moco-timeclock: the API key read from stdin has a tab at position 4\n');
    const file = join(kiosk.dir, 'keys.csv');
    writeFileSync(file, 'uid,api_key\n04A1,good-key-12345\n05B2,"bad\u001bkey"\n06C3,"two\nlines"\n');
    const imported = await run(kiosk, ['badge', 'import', file]);
    expect(imported.code).toBe(1);
    expect(imported.stderr).toBe(
      `moco-timeclock: nothing imported, ${file} has 2 bad rows:\n` +
        `  ${file} line 3: the api_key of badge 05B2 has a control character (0x1b) at position 4\n` +
        `  ${file} line 5: the api_key of badge 06C3 has a line break at position 4\n`,
    );
    expect((await run(kiosk, ['badge', 'list', '--json'])).stdout).toBe('[]\n');
  });
});

describe('a MOCO answer that echoes the key, encoded', { timeout: 60_000 }, () => {
  let echo: Server;
  afterAll(() => echo?.close());

  it('reaches neither the log, last_error, status nor queue list', async () => {
    echo = createServer((request, response) => {
      const header = String(request.headers.authorization ?? '');
      const key = header.replace(/^Token token=/, '');
      response.writeHead(401, { 'Content-Type': 'application/json' });
      response.end(
        JSON.stringify({
          message: `invalid ${Buffer.from(header).toString('base64')} ${Buffer.from(key).toString('hex')}`,
          url: Buffer.from(key).toString('base64url'),
          form: encodeURIComponent(key),
        }),
      );
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const kiosk = fresh(`http://127.0.0.1:${(echo.address() as AddressInfo).port}/api/v1`);
    const key = 'Key+With/Slash=9x7Q-2';
    enrol(kiosk, { uid: '04A1', apiKey: key });
    const daemon = await runDaemon(kiosk);
    daemons.push(daemon);
    daemon.tap('04A1');
    expect(await daemon.scan('04A1')).toMatchObject({ outcome: 'rejected' });
    await daemon.log.next((l) => l.msg === 'tap failed', 'the tap failed line');
    const leaks = [
      key,
      Buffer.from(`Token token=${key}`).toString('base64').slice(16, 40),
      Buffer.from(key).toString('hex'),
      Buffer.from(key).toString('base64url').slice(0, 24),
      encodeURIComponent(key),
    ];
    const queued = await run(kiosk, ['queue', 'list', '--json']);
    const lastError = parseJson<{ lastError: string }[]>(queued)[0]?.lastError ?? '';
    expect(lastError).toMatch(/^401 unauthorized: .*\[redacted\]/);
    const outputs = {
      log: daemon.log.dump(),
      queue: queued.stdout + (await run(kiosk, ['queue', 'list'])).stdout,
      status: JSON.stringify(parseJson<StatusReport>(await run(kiosk, ['status', '--json'])).taps),
    };
    for (const [where, text] of Object.entries(outputs)) {
      for (const leak of leaks) expect(text, `${where} shows ${leak}`).not.toContain(leak);
    }
  });
});
