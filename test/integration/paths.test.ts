import { existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databasePath } from '../../src/store/database.js';
import { damagePages } from '../store/damage.js';
import { type CliResult, cli, createKiosk, enrol, ensureBuilt, type Kiosk, writeConfig } from './harness.js';

/**
 * Paths and files around the kiosk, as a new user meets them: each problem is one line naming the
 * path and the fix, exit 78 (which systemd does not restart on), and the doctor says the same.
 */

const NOWHERE = 'http://127.0.0.1:9/api/v1';
const kiosks: Kiosk[] = [];

beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => {
  for (const kiosk of kiosks) kiosk.remove();
});

function fresh(): Kiosk {
  const kiosk = createKiosk({ baseUrl: NOWHERE });
  kiosks.push(kiosk);
  return kiosk;
}

const run = (kiosk: Kiosk, ...args: string[]) => cli([...args, '--config', kiosk.configPath]);
/** `run` with nothing on stdin ends at once when it starts at all; these must not start. */
const COMMANDS = [['badge', 'list'], ['status'], ['queue', 'list'], ['run']];

function expectOneLine(result: CliResult, line: string, code = 78): void {
  expect(result.stderr).toBe(`moco-timeclock: ${line}\n`);
  expect(result.code).toBe(code);
}

describe('a dataDir that cannot be', { timeout: 60_000 }, () => {
  it('is one line naming the file in the way and the fix, from every command and the doctor', async () => {
    const kiosk = fresh();
    const file = join(kiosk.dir, 'file');
    writeFileSync(file, '');
    const dataDir = join(file, 'data');
    writeConfig(
      kiosk.configPath,
      `moco: { baseUrl: "${NOWHERE}" }\ntimezone: Europe/Berlin\ndataDir: ${dataDir}`,
    );
    const detail = `the data directory ${dataDir} cannot exist: ${file} is a file, not a directory`;
    const fix = `set dataDir in the configuration to a directory, or move ${file} away`;
    for (const args of COMMANDS) {
      const result = await run(kiosk, ...args);
      expect(result.stderr, args.join(' ')).toBe(`moco-timeclock: ${detail}: ${fix}\n`);
      expect(result.code, args.join(' ')).toBe(78);
    }
    const doctor = await run(kiosk, 'doctor');
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain(`FAIL data directory: ${detail} — fix: ${fix}\n`);
    expect(doctor.stdout).not.toMatch(/unexpected error/);
  });

  it('refuses a relative dataDir and a NUL byte as configuration errors, creating nothing', async () => {
    const kiosk = fresh();
    for (const [value, problem] of [
      ['data', 'must be an absolute path'],
      ['"/var/lib/a\\0b"', 'must not contain a NUL byte'],
    ] as const) {
      writeConfig(kiosk.configPath, `moco: { baseUrl: "${NOWHERE}" }\ndataDir: ${value}`);
      for (const args of COMMANDS) {
        const result = await run(kiosk, ...args);
        expect(result.code, args.join(' ')).toBe(78);
        expect(result.stderr).toContain(`  dataDir: ${problem}`);
        expect(result.stderr).not.toMatch(/TypeError|\n\s+at /);
      }
    }
    expect(readdirSync(kiosk.dir).sort()).toEqual(['config.yaml']);
    expect(existsSync(join(process.cwd(), 'data'))).toBe(false);
  });
});

describe('a damaged, empty or missing database', { timeout: 60_000 }, () => {
  it('refuses a database with damaged pages in one line with what to do, and the doctor says so', async () => {
    const kiosk = fresh();
    enrol(kiosk, ...Array.from({ length: 300 }, (_, i) => ({ uid: `B${i}`, apiKey: `key-${i}-abcdefgh` })));
    const path = databasePath(kiosk.dataDir);
    damagePages(path);
    for (const args of COMMANDS) {
      const result = await run(kiosk, ...args);
      expect(result.code, args.join(' ')).toBe(78);
      expect(result.stderr).toMatch(
        new RegExp(
          `^moco-timeclock: the database ${path} is damaged \\(.+\\): restore it from a backup, or move it aside with its -wal and -shm files and run "moco-timeclock init" for an empty one \\(its badges and queued taps are then lost\\)\\n$`,
        ),
      );
    }
    expect((await run(kiosk, 'doctor')).stdout).toMatch(/FAIL database: the database .* is damaged/);
  });

  it('refuses a zero-length or missing database where a master key exists, and leaves the file as it is', async () => {
    const kiosk = fresh();
    enrol(kiosk, { uid: '04A1', apiKey: 'key-anna-12345' });
    const path = databasePath(kiosk.dataDir);
    writeFileSync(path, '');
    for (const args of [...COMMANDS, ['badge', 'add', '05B2', '--key', 'key-ben-123456', '--no-verify']]) {
      expectOneLine(
        await run(kiosk, ...args),
        `the database ${path} is empty (0 bytes), but there is a master key, so it held badges and taps: ` +
          'restore it from a backup, or move it aside and run "moco-timeclock init" to start with an empty one',
      );
    }
    expect(statSync(path).size).toBe(0);

    rmSync(path);
    const key = join(kiosk.dir, 'master.key');
    for (const args of COMMANDS) {
      expectOneLine(
        await run(kiosk, ...args),
        `there is no database at ${path}, but there is a master key (${key}), so this kiosk had one: check ` +
          `dataDir in ${kiosk.configPath}, restore the database from a backup, or run "moco-timeclock init" ` +
          'to start with an empty one (every badge must then be enrolled again)',
      );
    }
    expect(existsSync(path)).toBe(false);
    // The deliberate fresh start.
    const init = await run(kiosk, 'init');
    expect(init).toMatchObject({ code: 0, stderr: `created the database ${path}\n` });
    expect((await run(kiosk, 'badge', 'list')).stdout).toContain('no badges yet');
  });
});

describe('the master key and a fresh configuration', { timeout: 60_000 }, () => {
  it('lets read-only commands create nothing and say there is no database yet', async () => {
    const kiosk = fresh();
    const path = databasePath(kiosk.dataDir);
    expect(await run(kiosk, 'badge', 'list')).toEqual({
      code: 0,
      stdout: `no database yet at ${path}, so no badges: add one with "moco-timeclock badge add <uid> --key -"\n`,
      stderr: '',
    });
    expect(await run(kiosk, 'queue', 'list')).toEqual({
      code: 0,
      stdout: `no database yet at ${path}: nothing pending or failed\n`,
      stderr: '',
    });
    expect(await run(kiosk, 'status')).toEqual({
      code: 1,
      stdout: `no database yet at ${path}: the daemon has not run with this configuration\n`,
      stderr: '',
    });
    expect(readdirSync(kiosk.dir)).toEqual(['config.yaml']);
  });

  it('never has the daemon write a master key: it exits 78 and says how to make one', async () => {
    const kiosk = fresh();
    const key = join(kiosk.dir, 'master.key');
    const result = await run(kiosk, 'run');
    expect(result.code).toBe(78);
    expect(result.stderr).toBe(
      `moco-timeclock: no database yet at ${databasePath(kiosk.dataDir)}: set this kiosk up with "moco-timeclock init" ` +
        '(the installer does), or enrol a first badge with "moco-timeclock badge add"\n',
    );
    expect(existsSync(key)).toBe(false);

    enrol(kiosk, { uid: '04A1', apiKey: 'key-anna-12345' });
    renameSync(key, `${key}.elsewhere`);
    const again = await run(kiosk, 'run');
    expectOneLine(
      again,
      `the master key ${key} does not exist: run "moco-timeclock init" once to create it (the installer does), ` +
        'or copy the key of the machine that encrypted the badges',
    );
    expect(existsSync(key)).toBe(false);
  });

  it('has init and the first badge add create key and database, and say so', async () => {
    const kiosk = fresh();
    const key = join(kiosk.dir, 'master.key');
    const path = databasePath(kiosk.dataDir);
    const init = await run(kiosk, 'init');
    expect(init.code).toBe(0);
    expect(init.stderr).toBe(
      `created the master key ${key}: back it up (without it the stored API keys cannot be read)\n` +
        `created the database ${path}\n`,
    );
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(await run(kiosk, 'init')).toMatchObject({
      code: 0,
      stdout: `the database ${path} exists: nothing to do\n`,
    });

    const other = fresh();
    const added = await run(other, 'badge', 'add', '04A1', '--key', 'key-anna-12345', '--no-verify');
    expect(added.code).toBe(0);
    expect(added.stderr).toContain(`created the master key ${join(other.dir, 'master.key')}`);
    expect(added.stderr).toContain(`created the database ${databasePath(other.dataDir)}`);
    const second = await run(other, 'badge', 'add', '05B2', '--key', 'key-ben-1234567', '--no-verify');
    expect(second.stderr).toBe('');
  });
});
