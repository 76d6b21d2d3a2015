import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { masterKeyCheck } from '../../src/doctor/master-key.js';
import { context, removeTempDirs, single, tempDir } from './helpers.js';

afterAll(removeTempDirs);

describe('masterKeyCheck', () => {
  it('reads the key beside the config file and hands it to the later checks', async () => {
    const ctx = context();
    const keyPath = join(ctx.configPath, '..', 'master.key');
    writeFileSync(keyPath, Buffer.alloc(32, 7));
    const result = await single(masterKeyCheck({}), ctx);
    expect(result).toEqual({ status: 'ok', detail: `${keyPath} readable` });
    expect(ctx.found.masterKey).toEqual(Buffer.alloc(32, 7));
  });

  it('reads the systemd credential when the unit passes one', async () => {
    const credentials = tempDir();
    writeFileSync(join(credentials, 'master-key'), 'ab'.repeat(32));
    const ctx = context();
    const result = await single(masterKeyCheck({ CREDENTIALS_DIRECTORY: credentials }), ctx);
    expect(result.detail).toBe(`${join(credentials, 'master-key')} (systemd credential) readable`);
    expect(ctx.found.masterKey?.toString('hex')).toBe('ab'.repeat(32));
  });

  it('fails on a missing key and never creates one', async () => {
    const ctx = context();
    const keyPath = join(ctx.configPath, '..', 'master.key');
    const result = await single(masterKeyCheck({}), ctx);
    expect(result.status).toBe('fail');
    expect(result.detail).toBe(`${keyPath} does not exist`);
    expect(result.fix).toContain('moco-timeclock init');
    expect(existsSync(keyPath)).toBe(false);
    expect(ctx.found.masterKey).toBeNull();
  });

  it('fails on a missing credential with the unit line that passes it', async () => {
    const result = await single(masterKeyCheck({ CREDENTIALS_DIRECTORY: tempDir() }), context());
    expect(result.fix).toBe('add LoadCredential=master-key:/etc/moco-timeclock/master.key to the unit');
  });

  it('fails on a file that is not a key', async () => {
    const ctx = context();
    writeFileSync(join(ctx.configPath, '..', 'master.key'), 'too short');
    const result = await single(masterKeyCheck({}), ctx);
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('does not hold a 32-byte key');
  });

  it('tells to use sudo when the key cannot be read', async () => {
    const ctx = context();
    // A directory fails to read like a root-only file does for another user, also when tests run as root.
    mkdirSync(join(ctx.configPath, '..', 'master.key'));
    const result = await single(masterKeyCheck({}), ctx);
    expect(result.status).toBe('fail');
    expect(result.fix).toContain('sudo');
  });
});
