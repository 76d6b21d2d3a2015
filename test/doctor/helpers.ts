import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import type { Check, CheckResult, DoctorContext } from '../../src/doctor/checks.js';
import type { Identity } from '../../src/doctor/identity.js';

const dirs: string[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'moco-doctor-'));
  dirs.push(dir);
  return dir;
}

/** For afterAll. */
export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * A context as the doctor builds it after loading the configuration: `yaml` is added to a minimal
 * valid configuration whose config file and data directory live in a fresh temp dir.
 */
export function context(yaml = '', options: { dir?: string } = {}): DoctorContext {
  const dir = options.dir ?? tempDir();
  const base = yaml.includes('moco:') ? '' : 'moco:\n  baseUrl: http://127.0.0.1:9/api/v1\n';
  const text = `${base}timezone: Europe/Berlin\ndataDir: ${join(dir, 'data')}\n${yaml}`;
  return {
    configPath: join(dir, 'config.yaml'),
    config: parseConfig(text),
    found: { masterKey: null, db: null, badges: null },
  };
}

export async function results(check: Check, ctx: DoctorContext): Promise<CheckResult[]> {
  const outcome = await check.run(ctx);
  return Array.isArray(outcome) ? outcome : [outcome];
}

export async function single(check: Check, ctx: DoctorContext): Promise<CheckResult> {
  const all = await results(check, ctx);
  if (all.length !== 1) throw new Error(`expected one result, got ${JSON.stringify(all)}`);
  return all[0] as CheckResult;
}

/** An identity with fixed users: 1000 alice runs the doctor, 998 is the service user. */
export function fakeIdentity(uid: number | null = 1000): Identity {
  const names = new Map([
    [0, 'root'],
    [998, 'moco-timeclock'],
    [1000, 'alice'],
  ]);
  return { uid: () => uid, name: (id) => names.get(id) ?? null };
}

export function errno(code: string, message = `${code}: simulated`): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}
