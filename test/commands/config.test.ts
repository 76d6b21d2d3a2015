import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH, EXAMPLE_CONFIG_PATH } from '../../src/config/index.js';
import { cli, ensureBuilt } from '../integration/harness.js';

/** `moco-timeclock config check` as the installer and an admin run it: the lines and the exit status. */

beforeAll(() => ensureBuilt(), 120_000);

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'moco-config-check-')), 'config.yaml');
  writeFileSync(path, text);
  return path;
}

describe('moco-timeclock config check', () => {
  it('says a valid file is valid, exit 0', async () => {
    const result = await cli(['config', 'check', '--config', EXAMPLE_CONFIG_PATH]);
    expect(result).toEqual({ code: 0, stdout: `${EXAMPLE_CONFIG_PATH}: valid configuration\n`, stderr: '' });
  });

  it('prints every problem of a file in one round, exit 78', async () => {
    const path = file(
      'moco: { domain: acme, timeoutMS: 10 }\nscan: { debounceMs: -1 }\nsignals: { driver: gpio }\n',
    );
    const result = await cli(['config', 'check', '--config', path]);
    expect(result.code).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      `moco-timeclock: invalid configuration in ${path}`,
      '  moco.timeoutMS: unknown key (got 10); did you mean moco.timeoutMs?',
      expect.stringMatching(/^ {2}scan\.debounceMs: .* \(got -1\)$/),
      '  signals.leds.green: the gpio driver needs a BCM pin number here (got nothing)',
      '  signals.leds.red: the gpio driver needs a BCM pin number here (got nothing)',
      '',
    ]);
  });

  it('shows a YAML mistake with its line and a caret', async () => {
    const path = file('moco:\n  domain: acme\n timeoutMs: 3\n');
    const result = await cli(['config', 'check', '--config', path]);
    expect(result.code).toBe(78);
    expect(result.stderr).toBe(
      [
        `moco-timeclock: invalid configuration in ${path}`,
        '  YAML syntax at line 3, column 1: All mapping items must start at the same column',
        '      domain: acme',
        '     timeoutMs: 3',
        '    ^',
        '',
      ].join('\n'),
    );
  });

  it.skipIf(existsSync(DEFAULT_CONFIG_PATH))(
    'without --config on a machine with no installation, says how to go on',
    async () => {
      const result = await cli(['config', 'check']);
      expect(result.code).toBe(78);
      expect(result.stderr).toBe(
        [
          'moco-timeclock: cannot read the configuration /etc/moco-timeclock/config.yaml',
          '  /etc/moco-timeclock/config.yaml: file not found',
          '  that is the default; give another with --config FILE (or $MOCO_TIMECLOCK_CONFIG), or install with sudo scripts/install.sh',
          `  the template is ${EXAMPLE_CONFIG_PATH}: copy it, set moco.domain and dataDir, and pass the copy with --config`,
          '',
        ].join('\n'),
      );
    },
  );
});
