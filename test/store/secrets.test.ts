import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decodeMasterKey,
  KeyCipher,
  KeyCipherError,
  loadMasterKey,
  MasterKeyError,
} from '../../src/store/secrets.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moco-key-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('loadMasterKey', () => {
  it('creates master.key beside the configuration with 32 random bytes, mode 0600, and reads the same key back', () => {
    const configPath = join(dir, 'config.yaml');
    const created = loadMasterKey({ env: {}, configPath, create: true });
    expect(created).toHaveLength(32);
    const file = join(dir, 'master.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file)).toEqual(created);
    expect(loadMasterKey({ env: {}, configPath, create: false })).toEqual(created);
  });

  it('prefers the systemd credential', () => {
    writeFileSync(join(dir, 'master-key'), KEY);
    writeFileSync(join(dir, 'master.key'), Buffer.alloc(32, 7));
    const key = loadMasterKey({
      env: { CREDENTIALS_DIRECTORY: dir },
      configPath: join(dir, 'config.yaml'),
      create: true,
    });
    expect(key).toEqual(KEY);
  });

  it('never creates a key in the credentials directory', () => {
    const error = thrown(() =>
      loadMasterKey({ env: { CREDENTIALS_DIRECTORY: dir }, configPath: join(dir, 'c.yaml'), create: true }),
    );
    expect(error).toBeInstanceOf(MasterKeyError);
    expect((error as MasterKeyError).code).toBe('missing');
    expect(error.message).toContain('LoadCredential=master-key:');
  });

  it('names the path and the fix when the key is missing and may not be created', () => {
    const error = thrown(() =>
      loadMasterKey({ env: {}, configPath: join(dir, 'config.yaml'), create: false }),
    );
    expect((error as MasterKeyError).code).toBe('missing');
    expect((error as MasterKeyError).path).toBe(join(dir, 'master.key'));
    expect(error.message).toContain(join(dir, 'master.key'));
  });

  it('reports a key of the wrong length', () => {
    writeFileSync(join(dir, 'master.key'), Buffer.alloc(16));
    const error = thrown(() =>
      loadMasterKey({ env: {}, configPath: join(dir, 'config.yaml'), create: true }),
    );
    expect((error as MasterKeyError).code).toBe('invalid');
    expect(error.message).toMatch(/not 32 bytes.*16 bytes/);
  });

  it('reports a key it cannot read, and does not replace it', () => {
    // A directory in place of the file cannot be read even by root, who runs these tests on CI.
    mkdirSync(join(dir, 'master.key'));
    const error = thrown(() =>
      loadMasterKey({ env: {}, configPath: join(dir, 'config.yaml'), create: true }),
    );
    expect((error as MasterKeyError).code).toBe('unreadable');
    expect(error.message).toContain(join(dir, 'master.key'));
    expect(statSync(join(dir, 'master.key')).isDirectory()).toBe(true);
  });
});

describe('decodeMasterKey', () => {
  it('accepts raw bytes, hex and base64 text with a trailing newline', () => {
    expect(decodeMasterKey(KEY)).toEqual(KEY);
    expect(decodeMasterKey(Buffer.from(`${KEY.toString('hex')}\n`))).toEqual(KEY);
    expect(decodeMasterKey(Buffer.from(`${KEY.toString('base64')}\n`))).toEqual(KEY);
  });

  it('rejects anything else', () => {
    expect(decodeMasterKey(Buffer.alloc(31))).toBeNull();
    expect(decodeMasterKey(Buffer.from('not a key at all'))).toBeNull();
    expect(decodeMasterKey(Buffer.from(KEY.toString('hex').slice(2)))).toBeNull();
  });
});

describe('KeyCipher', () => {
  const cipher = new KeyCipher(KEY);

  it('round-trips a key and never shows the plain text in what it stores', () => {
    const stored = cipher.encrypt('secret-moco-api-key', '04AB');
    expect(stored).toMatch(/^v1:/);
    expect(stored).not.toContain('secret');
    expect(cipher.isEncrypted(stored)).toBe(true);
    expect(cipher.decrypt(stored, '04AB')).toBe('secret-moco-api-key');
  });

  it('uses a fresh nonce each time', () => {
    expect(cipher.encrypt('k', 'A')).not.toBe(cipher.encrypt('k', 'A'));
  });

  it('refuses a ciphertext moved to another badge', () => {
    const stored = cipher.encrypt('secret', '04AB');
    const error = thrown(() => cipher.decrypt(stored, '04AC'));
    expect(error).toBeInstanceOf(KeyCipherError);
  });

  it('reports a wrong master key as such instead of returning garbage', () => {
    const stored = cipher.encrypt('secret', '04AB');
    const error = thrown(() => new KeyCipher(Buffer.alloc(32, 1)).decrypt(stored, '04AB'));
    expect((error as KeyCipherError).code).toBe('wrong_master_key');
  });

  it('tells plain text from ciphertext', () => {
    expect(cipher.isEncrypted('d6b9a5f1c0e24b7f8a9e3c2d1b0a9f8e')).toBe(false);
    expect((thrown(() => cipher.decrypt('plain', 'A')) as KeyCipherError).code).toBe('malformed');
  });

  it('needs a 32-byte key', () => {
    expect(() => new KeyCipher(Buffer.alloc(16))).toThrow(RangeError);
  });
});
