import { execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorContext } from '../../src/doctor/checks.js';
import { DEMO_USERS, type Simulator, startSimulator } from '../../src/moco/sim/index.js';
import { context, removeTempDirs, tempDir } from '../doctor/helpers.js';
import { enrol } from '../doctor/stores.js';

/** `moco-timeclock doctor` as an admin runs it, against the simulator. */

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist', 'cli.js');
const [ANNA, BEN] = DEMO_USERS as [(typeof DEMO_USERS)[0], (typeof DEMO_USERS)[0]];

let sim: Simulator;

beforeAll(async () => {
  if (!existsSync(CLI))
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  sim = await startSimulator({ port: 0, timeZone: 'Europe/Berlin' });
}, 120_000);
afterAll(async () => {
  await sim.close();
  removeTempDirs();
});

interface Result {
  code: number | null;
  lines: string[];
}

/** Async on purpose: the simulator answers from this process's event loop while the CLI runs. */
function doctor(configPath: string): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, 'doctor', '--config', configPath], {
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, lines: stdout.split('\n').filter((l) => l !== '') }));
  });
}

/** Writes the context's configuration as a file; the doctor reads nothing else. */
function install(yaml: string): DoctorContext {
  const ctx = context(yaml);
  writeFileSync(ctx.configPath, `timezone: Europe/Berlin\ndataDir: ${ctx.config.dataDir}\n${yaml}`);
  return ctx;
}

const line = (result: Result, name: string) => result.lines.find((l) => l.slice(5).startsWith(`${name}:`));

describe('moco-timeclock doctor', () => {
  it('passes a healthy installation with one OK line per check', async () => {
    const ctx = install(
      `moco:\n  baseUrl: ${sim.baseUrl}\nreader:\n  type: stdin\nsignals:\n  driver: console\n`,
    );
    enrol(ctx, [{ uid: '04A1', label: 'Anna', userId: ANNA.id, apiKey: ANNA.apiKey }]);

    const result = await doctor(ctx.configPath);

    const names = [
      'config',
      'timezone',
      'data directory',
      'master key',
      'database',
      'reader',
      'GPIO',
      'MOCO',
    ];
    expect(names.map((name) => line(result, name)?.slice(0, 4))).toEqual([
      'OK  ',
      'OK  ',
      'OK  ',
      'OK  ',
      'OK  ',
      'OK  ',
      'SKIP',
      'OK  ',
    ]);
    expect(line(result, 'MOCO')).toBe(`OK   MOCO: ${sim.baseUrl} reachable; 1 of 1 badge keys valid`);
    // The one check this test cannot arrange is the host's own clock; the status follows it.
    const [clock, againstMoco] = result.lines.filter((l) => l.slice(5).startsWith('clock:'));
    expect(clock).toMatch(/^(OK {2}|FAIL) clock: /);
    expect(againstMoco).toBe("OK   clock: kiosk clock agrees with MOCO's (within a minute)");
    expect(result.code).toBe(clock?.startsWith('OK') ? 0 : 1);
  });

  it("fails a kiosk clock hours off MOCO's, from the Date of MOCO's answers", async () => {
    const ctx = install(`moco:\n  baseUrl: ${sim.baseUrl}\n`);
    enrol(ctx, [{ uid: '04A1', label: 'Anna', userId: ANNA.id, apiKey: ANNA.apiKey }]);
    sim.setOffsetMs((3 * 60 + 2) * 60_000);
    let result: Result;
    try {
      result = await doctor(ctx.configPath);
    } finally {
      sim.setOffsetMs(0);
    }
    expect(result.code).toBe(1);
    expect(result.lines).toContain(
      "FAIL clock: kiosk clock 3 h 2 min behind MOCO's — fix: enable time sync (timedatectl set-ntp true)",
    );
  });

  it('exits 1 with a FAIL line and its fix for each problem', async () => {
    const ctx = install(
      `moco:\n  baseUrl: ${sim.baseUrl}\nreader:\n  type: serial\n  path: ${join(ROOT, 'no-such-tty')}\n`,
    );
    enrol(ctx, [
      { uid: '04A1', label: 'Anna', userId: ANNA.id, apiKey: ANNA.apiKey },
      { uid: '04B2', label: 'Ben', userId: BEN.id, apiKey: 'revoked-key-of-ben' },
    ]);

    const result = await doctor(ctx.configPath);

    expect(result.code).toBe(1);
    expect(line(result, 'reader')).toMatch(/^FAIL reader: serial .*no-such-tty does not exist .* — fix: /);
    expect(line(result, 'badge 04B2')).toBe(
      `FAIL badge 04B2: MOCO rejects the key of Ben (user ${BEN.id}) (401: revoked or mistyped) — fix: moco-timeclock badge add 04B2 --key <new key> --replace`,
    );
    expect(line(result, 'MOCO')).toBe(`OK   MOCO: ${sim.baseUrl} reachable; 1 of 2 badge keys valid`);
    expect(result.lines.at(-1)).toMatch(/^\d+ problems found$/);
  });

  it('exits 78 on an invalid configuration, printing its problems and checking nothing else', async () => {
    const configPath = join(tempDir(), 'config.yaml');
    writeFileSync(configPath, 'moco:\n  domain: acme\nreader:\n  type: serial\n');

    const result = await doctor(configPath);

    expect(result.code).toBe(78);
    expect(result.lines).toEqual([
      expect.stringMatching(
        new RegExp(`^FAIL config: ${configPath} is not a usable configuration .* — fix: `),
      ),
      '  reader.path: a serial reader needs a device path (got nothing)',
    ]);
  });
});
