import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, type Exit, ensureBuilt, TIME_ZONE } from './harness.js';
import { Lines } from './lines.js';

/** `moco-timeclock demo` as a visitor uses it: keys typed into its stdin, the kiosk's answers on stdout. */

beforeAll(() => ensureBuilt(), 120_000);

describe('moco-timeclock demo', { timeout: 60_000 }, () => {
  it('clocks in, queues while the simulator is offline, delivers when it is back, and quits', async () => {
    const { child, exited, see, type, stderr, all } = startDemo();
    try {
      await see('1 + Enter');
      type('1');
      // The feedback line names the person, and so does the scan line.
      await see(/^\[G · ·\] CLOCKED IN +Anna Schmidt {2}beep: short$/);
      await see(/· scan uid=0A00B1C201 .*userName=Anna Schmidt outcome=clocked_in/);

      type('o');
      await see('OFFLINE');
      type('2');
      await see(/STORED, SENT LATER {2}Ben Meyer/);
      await see(/· scan uid=0A00B1C202 .*userName=Ben Meyer outcome=queued/);
      await see('  MOCO unreachable, 1 tap waiting');

      type('o');
      await see('ONLINE again');
      // Sent over a kept-alive connection the outage cut, Ben's touch may have landed: it is
      // looked for after the demo's settle time (3 s), after a backoff, then sent.
      await see(/· delivered .*uid=0A00B1C202 .*outcome=clocked_in/, 20_000);
      await see('  MOCO reachable, every tap delivered');

      type('p');
      await see(/Anna Schmidt +\d{4}-\d\d-\d\d {2}\d\d:\d\d - open/);
      await see(/Ben Meyer +\d{4}-\d\d-\d\d {2}\d\d:\d\d - open/);

      // l switches the simulator's clock ahead, and back.
      type('l');
      await see("  the simulator's clock is now 3 h ahead of the kiosk's, as if the kiosk's");
      type('l');
      await see("  the simulator's clock agrees with the kiosk's again");

      type('q');
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(stderr()).toBe('');
      // Each retry while offline is a detail, not a line: the state line said it once.
      expect(all().filter((line) => line.includes('delivery postponed'))).toEqual([]);
      expect(all().filter((line) => line.includes('MOCO unreachable'))).toEqual([
        '  MOCO unreachable, 1 tap waiting',
      ]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('cleans up after Ctrl+C: exit 0, its temporary kiosk removed', async () => {
    // The demo's temporary directory goes where TMPDIR says: here, a directory of this test's own.
    const tmp = mkdtempSync(join(tmpdir(), 'moco-timeclock-demo-it-'));
    const { child, exited, see, type } = startDemo({ TMPDIR: tmp });
    try {
      await see('1 + Enter');
      expect(readdirSync(tmp)).toHaveLength(1);
      type('1');
      await see(/· scan uid=0A00B1C201 /);
      child.kill('SIGINT');
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

function startDemo(env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, 'demo', '--timezone', TIME_ZONE], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let errText = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    errText += chunk;
  });
  const out = new Lines(child.stdout, (line) => line);
  const see = (text: string | RegExp, timeoutMs?: number) =>
    out.next(
      (line) => (typeof text === 'string' ? line.includes(text) : text.test(line)),
      `"${text}"`,
      timeoutMs,
    );
  const type = (keys: string) => child.stdin.write(`${keys}\n`);
  return { child, exited, see, type, stderr: () => errText, all: () => out.lines };
}
