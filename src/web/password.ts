import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Database } from 'better-sqlite3';

/**
 * The admin password of the web page, as an scrypt hash in the database's meta table: the page
 * and `web passwd` share the database anyway, and a copy of it reveals no password.
 *
 * N=2^15, r=8 takes 32 MiB and about 0.1 s on a desktop core (more on a Pi): slow enough to make
 * guessing a stolen hash expensive, and little enough for a Pi Zero's 512 MB. The parameters are
 * stored with the hash, so they can grow later without locking anyone out.
 */
const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const MAX_MEMORY = 64 * 1024 * 1024;
const META_KEY = 'web_password';

/** Below this a password is refused: the page can be reached from the office network. */
export const MIN_PASSWORD_LENGTH = 10;

function derive(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, { ...params, maxmem: MAX_MEMORY }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** False for a wrong password and for a stored value that is not a hash this code wrote. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, expected] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || expected === undefined) return false;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (!Object.values(params).every((value) => Number.isSafeInteger(value) && value > 0)) return false;
  const want = Buffer.from(expected, 'base64');
  if (want.length !== KEY_BYTES) return false;
  const got = await derive(password, Buffer.from(salt, 'base64'), params);
  return timingSafeEqual(got, want);
}

/** Where the hash lives. Every read goes to the database, so a new password applies at once. */
export class PasswordStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  current(): string | null {
    const row = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(META_KEY) as
      | { value: string }
      | undefined;
    return row?.value ?? null;
  }

  set(hash: string): void {
    this.#db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(META_KEY, hash);
  }
}

/**
 * A short digest of a stored hash: a session remembers the password it was opened with, and ends
 * when that password is replaced.
 */
export function passwordFingerprint(hash: string): string {
  return createHash('sha256').update(hash).digest('base64url').slice(0, 16);
}
