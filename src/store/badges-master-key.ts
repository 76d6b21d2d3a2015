import type { Database } from 'better-sqlite3';
import type { BadgeRow } from './badges-table.js';
import { type KeyCipher, KeyCipherError } from './secrets.js';

const KEY_CHECK = 'master_key_check';
const KEY_CHECK_AAD = 'meta:master_key_check';
const KEY_CHECK_PLAIN = 'moco-timeclock';

/**
 * Makes sure `cipher` holds the master key this database's keys were encrypted with (recording it on
 * first use), then encrypts any key still stored in plain text. Returns how many it encrypted.
 *
 * Called by whoever opens the badge store, before using it: checking up front turns a wrong master
 * key into one clear error at start-up, instead of a failure on some later tap, and keeps a wrong key
 * from ever encrypting a row the right one could not read.
 */
export function migratePlaintextKeys(db: Database, cipher: KeyCipher): number {
  const readCheck = () =>
    db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(KEY_CHECK);
  const mismatch = () =>
    new KeyCipherError(
      'wrong_master_key',
      'the master key is not the one the badge keys in this database were encrypted with: restore ' +
        'the original master key file (the keys cannot be recovered without it)',
    );
  // Every command and the daemon open through here: reading first, without the write lock, keeps
  // them from queueing behind each other when (as nearly always) there is nothing to write.
  const known = readCheck();
  if (known !== undefined) {
    if (!decrypts(cipher, known.value, KEY_CHECK_AAD)) throw mismatch();
    if (!hasPlaintextKey(db, cipher)) return 0;
  }
  return db
    .transaction(() => {
      const check = readCheck();
      if (check !== undefined) {
        if (!decrypts(cipher, check.value, KEY_CHECK_AAD)) throw mismatch();
      } else {
        const sample = db
          .prepare<[], Pick<BadgeRow, 'uid' | 'api_key'>>('SELECT uid, api_key FROM badges')
          .all()
          .find((row) => row.api_key !== null && cipher.isEncrypted(row.api_key));
        if (sample?.api_key != null && !decrypts(cipher, sample.api_key, sample.uid)) throw mismatch();
        db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(
          KEY_CHECK,
          cipher.encrypt(KEY_CHECK_PLAIN, KEY_CHECK_AAD),
        );
      }
      const update = db.prepare('UPDATE badges SET api_key = ? WHERE uid = ?');
      let migrated = 0;
      for (const row of db
        .prepare<[], Pick<BadgeRow, 'uid' | 'api_key'>>('SELECT uid, api_key FROM badges')
        .all()) {
        if (row.api_key === null || cipher.isEncrypted(row.api_key)) continue;
        update.run(cipher.encrypt(row.api_key.trim(), row.uid), row.uid);
        migrated += 1;
      }
      return migrated;
    })
    .immediate();
}

function hasPlaintextKey(db: Database, cipher: KeyCipher): boolean {
  for (const row of db.prepare<[], { api_key: string }>('SELECT api_key FROM badges').iterate()) {
    if (!cipher.isEncrypted(row.api_key)) return true;
  }
  return false;
}

function decrypts(cipher: KeyCipher, stored: string, aad: string): boolean {
  try {
    cipher.decrypt(stored, aad);
    return true;
  } catch (error) {
    if (error instanceof KeyCipherError) return false;
    throw error;
  }
}
