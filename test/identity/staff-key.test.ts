import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadStaffKey, StaffKeyError } from '../../src/identity/staff-key.js';

let dir: string;
let configPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moco-staff-key-'));
  configPath = join(dir, 'config.yaml');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function failure(load: () => unknown): StaffKeyError {
  try {
    load();
  } catch (error) {
    if (error instanceof StaffKeyError) return error;
    throw error;
  }
  throw new Error('the key was loaded');
}

describe('loadStaffKey', () => {
  it('reads staff.key beside the configuration, without its line break', () => {
    writeFileSync(join(dir, 'staff.key'), 'staff-secret-0123456789\n');
    expect(loadStaffKey({ env: {}, configPath, staffKeyFile: null })).toBe('staff-secret-0123456789');
  });

  it('reads moco.staffKeyFile when it is set', () => {
    const file = join(dir, 'elsewhere.key');
    writeFileSync(file, 'other-secret-0123456789');
    expect(loadStaffKey({ env: {}, configPath, staffKeyFile: file })).toBe('other-secret-0123456789');
  });

  it("prefers systemd's credential, and takes the file when the unit's empty default stands in", () => {
    const credentials = join(dir, 'credentials');
    mkdirSync(credentials);
    writeFileSync(join(dir, 'staff.key'), 'file-secret-0123456789');
    writeFileSync(join(credentials, 'staff-key'), 'credential-secret-0123456789\n');
    const env = { CREDENTIALS_DIRECTORY: credentials };
    expect(loadStaffKey({ env, configPath, staffKeyFile: null })).toBe('credential-secret-0123456789');
    // The units' default, SetCredential=staff-key:\n, for a kiosk that has no Staff key.
    writeFileSync(join(credentials, 'staff-key'), '\n');
    expect(loadStaffKey({ env, configPath, staffKeyFile: null })).toBe('file-secret-0123456789');
  });

  it('says where to put the key when there is none', () => {
    const error = failure(() => loadStaffKey({ env: {}, configPath, staffKeyFile: null }));
    expect(error.code).toBe('missing');
    expect(error.message).toContain(
      `put the API key of a MOCO user with the Staff permission into ${join(dir, 'staff.key')}`,
    );
  });

  it('refuses an empty file and one that holds more than a key', () => {
    writeFileSync(join(dir, 'staff.key'), ' \n');
    expect(failure(() => loadStaffKey({ env: {}, configPath, staffKeyFile: null })).code).toBe('invalid');
    writeFileSync(join(dir, 'staff.key'), 'key: staff-secret-0123456789\n');
    const error = failure(() => loadStaffKey({ env: {}, configPath, staffKeyFile: null }));
    expect(error.code).toBe('invalid');
    expect(error.message).not.toContain('staff-secret');
  });

  it.skipIf(process.getuid?.() === 0)('asks for sudo when the file is not readable', () => {
    writeFileSync(join(dir, 'staff.key'), 'staff-secret-0123456789');
    chmodSync(join(dir, 'staff.key'), 0);
    expect(failure(() => loadStaffKey({ env: {}, configPath, staffKeyFile: null })).message).toMatch(/sudo/);
  });
});
