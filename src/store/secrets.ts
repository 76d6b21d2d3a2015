import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * API keys are encrypted at rest with a master key that lives outside the database, so a copy of the
 * database (a backup, a stolen SD card image of /var/lib only) reveals no key.
 */

export const MASTER_KEY_BYTES = 32;
export const MASTER_KEY_FILE = 'master.key';
/** The name in `LoadCredential=master-key:/etc/moco-timeclock/master.key`. */
export const MASTER_KEY_CREDENTIAL = 'master-key';

export type MasterKeyErrorCode = 'missing' | 'unreadable' | 'invalid';

export class MasterKeyError extends Error {
  readonly code: MasterKeyErrorCode;
  readonly path: string;

  constructor(code: MasterKeyErrorCode, path: string, message: string) {
    super(message);
    this.name = 'MasterKeyError';
    this.code = code;
    this.path = path;
  }
}

export interface LoadMasterKeyOptions {
  env: NodeJS.ProcessEnv;
  /** The configuration file; outside systemd the key is `master.key` beside it. */
  configPath: string;
  /** Create a random key file when there is none (`init`, a new kiosk's first admin command). */
  create: boolean;
  /** Told the path when `create` made a new key, so the command can say so. */
  onCreated?: (path: string) => void;
}

export function masterKeyPath(options: Pick<LoadMasterKeyOptions, 'env' | 'configPath'>): {
  path: string;
  fromCredentials: boolean;
} {
  const credentials = options.env.CREDENTIALS_DIRECTORY;
  if (credentials !== undefined && credentials !== '') {
    return { path: join(credentials, MASTER_KEY_CREDENTIAL), fromCredentials: true };
  }
  return { path: join(dirname(options.configPath), MASTER_KEY_FILE), fromCredentials: false };
}

/**
 * Reads the master key: the systemd credential when `$CREDENTIALS_DIRECTORY` is set, otherwise
 * `master.key` beside the configuration file, created with 32 random bytes (mode 0600) when `create`.
 */
export function loadMasterKey(options: LoadMasterKeyOptions): Buffer {
  const { path, fromCredentials } = masterKeyPath(options);
  const content = readKeyFile(path);
  if (content !== null) return decodeOrThrow(content, path);
  if (options.create && !fromCredentials) {
    const { key, created } = createMasterKey(path);
    if (created) options.onCreated?.(path);
    return key;
  }
  const fix = fromCredentials
    ? `add LoadCredential=${MASTER_KEY_CREDENTIAL}:/etc/moco-timeclock/${MASTER_KEY_FILE} to the unit`
    : 'run "moco-timeclock init" once to create it (the installer does), or copy the key of the ' +
      'machine that encrypted the badges';
  throw new MasterKeyError('missing', path, `the master key ${path} does not exist: ${fix}`);
}

/**
 * Whether a master key is there, without reading it: a key is made together with the database, so
 * a key without a database means the database was lost, not that the kiosk is new.
 */
export function masterKeyExists(options: Pick<LoadMasterKeyOptions, 'env' | 'configPath'>): boolean {
  try {
    statSync(masterKeyPath(options).path);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** Raw 32 bytes as the installer writes them, or 64 hex digits, or base64, with surrounding space. */
export function decodeMasterKey(content: Buffer): Buffer | null {
  if (content.length === MASTER_KEY_BYTES) return content;
  const text = content.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(text)) {
    const key = Buffer.from(text, 'base64');
    if (key.length === MASTER_KEY_BYTES) return key;
  }
  return null;
}

/** The file's bytes, or null when it does not exist. */
function readKeyFile(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new MasterKeyError(
      'unreadable',
      path,
      `cannot read the master key ${path} (${code ?? String(error)}): it is readable by root only, so ` +
        'run this command with sudo',
    );
  }
}

function decodeOrThrow(content: Buffer, path: string): Buffer {
  const key = decodeMasterKey(content);
  if (key !== null) return key;
  throw new MasterKeyError(
    'invalid',
    path,
    `the master key ${path} is not ${MASTER_KEY_BYTES} bytes (raw, hex or base64; the file has ` +
      `${content.length} bytes): restore the right file, or, if no badge was enrolled yet, create one ` +
      `with "head -c ${MASTER_KEY_BYTES} /dev/urandom > ${path}"`,
  );
}

function createMasterKey(path: string): { key: Buffer; created: boolean } {
  const key = randomBytes(MASTER_KEY_BYTES);
  try {
    writeFileSync(path, key, { mode: 0o600, flag: 'wx' });
    return { key, created: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Another admin command created it a moment ago: theirs is the key.
    const existing = code === 'EEXIST' ? readKeyFile(path) : null;
    if (existing !== null) return { key: decodeOrThrow(existing, path), created: false };
    throw new MasterKeyError(
      'unreadable',
      path,
      `cannot create the master key ${path} (${code ?? String(error)}): run this command with sudo`,
    );
  }
}

export type KeyCipherErrorCode = 'wrong_master_key' | 'malformed';

export class KeyCipherError extends Error {
  readonly code: KeyCipherErrorCode;

  constructor(code: KeyCipherErrorCode, message: string) {
    super(message);
    this.name = 'KeyCipherError';
    this.code = code;
  }
}

const VERSION = 'v1';
const NONCE_BYTES = 12;
const STORED_RE = /^v1:([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]*={0,2})$/;

/**
 * AES-256-GCM with a fresh nonce per value. The additional authenticated data (the badge UID) binds a
 * ciphertext to its row: copied onto another badge, it fails to decrypt instead of lending a key.
 */
export class KeyCipher {
  readonly #key: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== MASTER_KEY_BYTES) {
      throw new RangeError(`the master key must be ${MASTER_KEY_BYTES} bytes, got ${masterKey.length}`);
    }
    this.#key = Buffer.from(masterKey);
  }

  /** `v1:<nonce>:<tag>:<ciphertext>`, each base64. */
  encrypt(plain: string, aad: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, nonce.toString('base64'), tag.toString('base64'), ciphertext.toString('base64')].join(
      ':',
    );
  }

  decrypt(stored: string, aad: string): string {
    const match = STORED_RE.exec(stored);
    if (match === null) throw new KeyCipherError('malformed', `the stored key of "${aad}" is not encrypted`);
    const nonce = Buffer.from(match[1]!, 'base64');
    const tag = Buffer.from(match[2]!, 'base64');
    if (nonce.length !== NONCE_BYTES || tag.length !== 16) {
      throw new KeyCipherError('malformed', `the stored key of "${aad}" is damaged`);
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(Buffer.from(match[3]!, 'base64')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new KeyCipherError(
        'wrong_master_key',
        `cannot decrypt the stored key of "${aad}": the master key is not the one it was encrypted with ` +
          '(restore the original master.key)',
      );
    }
  }

  isEncrypted(stored: string): boolean {
    return STORED_RE.test(stored);
  }
}
