import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../integration/harness.js';

/** The commands an installer runs by hand print human lines only, never the daemon's JSON. */

beforeAll(() => ensureBuilt(), 120_000);

function configWith(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'moco-human-lines-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(path, `moco: { domain: acme }\ndataDir: ${join(dir, 'data')}\n${yaml}`);
  return path;
}

/** `timeoutMs` ends a command that waits for Ctrl-C with SIGTERM, which it takes as Ctrl-C. */
function run(args: string[], input = '', timeoutMs = 20_000) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
    timeout: timeoutMs,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('reader test', () => {
  it('says what it dropped as a human warning among the UID lines', () => {
    const config = configWith('reader: { type: stdin, protocol: line }\n');
    const result = run(['reader', 'test', '--config', config], '0a00123456\nbad line!!\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'reading from standard input, uid.format as-read; Ctrl-C to stop\nreader connected\nUID 0A00123456\nreader disconnected\n',
    );
    expect(result.stderr).toBe(
      'warning: line dropped (reason=invalid characters, length=10)\n' +
        'warning: standard input ended, no more UIDs will be read\n',
    );
  });

  it('says once, in its own words, that it waits for a missing device: no second line from the log', () => {
    const config = configWith('reader: { type: serial, path: /dev/ttyNO-SUCH-READER }\n');
    const result = run(['reader', 'test', '--config', config], '', 2_000);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      'reading from serial /dev/ttyNO-SUCH-READER (rdm6300, 9600 baud), uid.format as-read; Ctrl-C to stop',
      'reader device not found, waiting for it to be plugged in ...',
    ]);
    expect(result.stderr).toBe('');
  });
});

describe('signals test', () => {
  it.skipIf(existsSync('/sys/class/gpio'))(
    'says in one human line why the gpio outputs cannot be used, then fails',
    () => {
      const config = configWith('signals: { driver: gpio, leds: { green: 17, red: 27 } }\n');
      const result = run(['signals', 'test', 'clocked_in', '--config', config]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        'warning: gpio signals unavailable, signals go to the log only: /sys/class/gpio is missing: this kernel ' +
          'has no sysfs GPIO (CONFIG_GPIO_SYSFS); use signals.driver console or none\n' +
          'moco-timeclock: the gpio outputs are not usable; the warning above says why\n',
      );
    },
  );
});
