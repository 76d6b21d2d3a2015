import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The release tarball (npm run release): the way to get the code onto a Pi without git. It is
 * unpacked and its installer run as a dry run, as far as this machine allows (no systemd): the
 * configuration is checked with a throwaway build, since the tarball carries none.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = (
  JSON.parse(spawnSync('cat', [join(ROOT, 'package.json')], { encoding: 'utf8' }).stdout) as {
    version: string;
  }
).version;
const NAME = `moco-timeclock-${VERSION}`;
const HAS_INSTALLED_CONFIG = existsSync('/etc/moco-timeclock/config.yaml');

let work: string;
let unpacked: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'moco-release-'));
  const made = spawnSync('bash', [join(ROOT, 'scripts/release.sh'), '--output', work], { encoding: 'utf8' });
  expect(made.status, made.stderr).toBe(0);
  expect(made.stdout).toContain(`==> wrote ${join(work, `${NAME}.tar.gz`)}`);
  expect(spawnSync('tar', ['-xzf', join(work, `${NAME}.tar.gz`), '-C', work]).status).toBe(0);
  unpacked = join(work, NAME);
});

/**
 * `npm ci` for the installer's throwaway build, without the network: the build it would make is
 * this checkout's (dist/ and node_modules/, which `npm test` has built).
 */
function fakeNpm(): string {
  const bin = mkdtempSync(join(tmpdir(), 'moco-npm-'));
  writeFileSync(
    join(bin, 'npm'),
    `#!/bin/sh\n[ "$1" = ci ] || exit 0\ncp -R '${join(ROOT, 'dist')}' dist && ln -s '${join(ROOT, 'node_modules')}' node_modules\n`,
  );
  chmodSync(join(bin, 'npm'), 0o755);
  return bin;
}

function dryRun(args: string[]) {
  const tmp = mkdtempSync(join(tmpdir(), 'moco-release-tmp-'));
  const { DRY_RUN: _ignored, ...base } = process.env;
  const result = spawnSync('bash', [join(unpacked, 'scripts/install.sh'), '--dry-run', ...args], {
    encoding: 'utf8',
    env: { ...base, PATH: `${fakeNpm()}:${process.env.PATH}`, TMPDIR: tmp },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, leftInTmp: readdirSync(tmp) };
}

describe('the release tarball', () => {
  it('holds what the installer builds from and the documentation, and no build of this machine', () => {
    const listed = spawnSync('tar', ['-tzf', join(work, `${NAME}.tar.gz`)], {
      encoding: 'utf8',
    }).stdout.split('\n');
    for (const path of [
      'package.json',
      'package-lock.json',
      'tsconfig.build.json',
      'src/cli.ts',
      'config/config.example.yaml',
      'systemd/moco-timeclock.service',
      'systemd/moco-timeclock-web.service',
      'scripts/install.sh',
      'scripts/udev/70-moco-timeclock.rules.in',
      'README.md',
      'docs/installation.md',
    ]) {
      expect(listed, path).toContain(`${NAME}/${path}`);
    }
    expect(listed.filter((path) => /\/(node_modules|dist|test)\//.test(path))).toEqual([]);
  });

  it.skipIf(HAS_INSTALLED_CONFIG)(
    'installs from where it is unpacked: a dry run checks the configuration with a throwaway build, then plans',
    () => {
      const config = join(work, 'config.yaml');
      writeFileSync(config, 'moco: { domain: acme }\n');
      const { status, stdout, leftInTmp } = dryRun(['--config', config]);

      expect(status).toBe(0);
      expect(stdout).toMatch(
        new RegExp(
          `==> no build in ${unpacked}: building a throwaway copy in \\S+ to check the configuration`,
        ),
      );
      expect(stdout).toContain(`==> checking the configuration ${config}`);
      expect(stdout).toContain(
        `  - build moco-timeclock ${VERSION} from ${unpacked} in /opt/moco-timeclock.new`,
      );
      expect(leftInTmp).toEqual([]);
    },
  );

  it.skipIf(HAS_INSTALLED_CONFIG)(
    'refuses a configuration that does not validate, also from the tarball',
    () => {
      const config = join(work, 'bad.yaml');
      writeFileSync(config, 'moco: { domain: acme }\nsignals: { driver: gpio }\n');
      const { status, stdout, stderr, leftInTmp } = dryRun(['--config', config]);

      expect(status).toBe(78);
      expect(stdout).not.toMatch(/^\+ /m);
      expect(stderr).toContain(
        '  signals.leds.green: the gpio driver needs a BCM pin number here (got nothing)',
      );
      expect(leftInTmp).toEqual([]);
    },
  );
});
