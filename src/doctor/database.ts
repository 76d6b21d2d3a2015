import { BadgeStore } from '../store/badges.js';
import { migratePlaintextKeys } from '../store/badges-master-key.js';
import { dataDirProblem } from '../store/data-dir.js';
import {
  checkIntegrity,
  type Database,
  DatabaseError,
  databaseFileState,
  databasePath,
  openDatabase,
  userVersion,
} from '../store/database.js';
import { corruptDatabase, emptyDatabase, missingDatabase, noDatabaseYet } from '../store/errors.js';
import { Journal } from '../store/journal.js';
import { MIGRATIONS } from '../store/migrations.js';
import { dropPrivilegesToOwnerOf, type PrivilegedProcess } from '../store/privileges.js';
import { KeyCipher, KeyCipherError } from '../store/secrets.js';
import { type Clock, systemClock } from '../time/clock.js';
import { type Check, type CheckResult, type DoctorContext, fail, ok, skip } from './checks.js';
import { describeUser, type Identity, systemIdentity } from './identity.js';

export interface DatabaseDeps {
  process?: PrivilegedProcess;
  identity?: Identity;
  clock?: Clock;
}

/**
 * Opens the database the way every command does (which applies pending migrations), checks it for
 * damage as the daemon does at start, and checks the master key against it. Never creates one: an
 * empty database here would hide that the kiosk is not set up yet, or that dataDir points elsewhere.
 */
export function databaseCheck(deps: DatabaseDeps = {}): Check {
  const proc = deps.process ?? process;
  const identity = deps.identity ?? systemIdentity();
  const clock = deps.clock ?? systemClock;
  return {
    name: 'database',
    async run(ctx) {
      const { dataDir } = ctx.config;
      if (dataDirProblem(dataDir) !== null) return skip('the data directory cannot hold one (see above)');
      // As root, become the daemon's user like the other commands do, after the root-only master
      // key was read: files SQLite creates must stay the daemon's, and what follows (devices, GPIO)
      // is then checked with the daemon's rights.
      const decision = dropPrivilegesToOwnerOf(dataDir, proc);
      const as = decision.dropped
        ? `; checked as ${describeUser(identity, decision.uid)}, the owner of ${dataDir}`
        : '';
      const path = databasePath(dataDir);
      const keyPath = ctx.found.masterKeyPath;
      // The words the daemon would use, refusing to start.
      const refusal = (error: DatabaseError) => fail(`${error.detail}${as}`, error.fix ?? 'see the message');
      const state = databaseFileState(path);
      if (state === 'empty') return refusal(emptyDatabase(path, keyPath !== undefined));
      if (state === 'missing') {
        return refusal(
          keyPath === undefined ? noDatabaseYet(path) : missingDatabase(path, keyPath, ctx.configPath),
        );
      }
      let db: Database;
      try {
        db = openDatabase(path, { create: false });
      } catch (error) {
        if (!(error instanceof DatabaseError)) throw error;
        return error.code === 'downgrade'
          ? fail(
              `${path} was written by a newer moco-timeclock (schema above ${MIGRATIONS.length})`,
              'install the newer moco-timeclock again, or restore a backup',
            )
          : refusal(error);
      }
      const damage = checkIntegrity(db);
      if (damage !== null) {
        db.close();
        return refusal(corruptDatabase(path, damage));
      }
      ctx.found.db = db;
      // openDatabase has applied any pending migration, as the daemon would on its next start.
      const version = userVersion(db);
      const results = [ok(`${path}: schema ${version} (current), ${summary(db)}${as}`)];
      const keyProblem = unlockBadges(ctx, db, clock);
      if (keyProblem !== null) results.push(keyProblem);
      return results;
    },
  };
}

function summary(db: Database): string {
  const badges = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM badges').get()?.n ?? 0;
  const { pending, failed } = new Journal(db).counts();
  const hint = failed > 0 ? ' (see `moco-timeclock queue list --failed`)' : '';
  return `${badges} badge${badges === 1 ? '' : 's'}, ${pending} pending and ${failed} failed taps${hint}`;
}

/** The badge store for later checks, once the master key proves to be the one the keys were encrypted with. */
function unlockBadges(ctx: DoctorContext, db: Database, clock: Clock): CheckResult | null {
  if (ctx.found.masterKey === null) return null;
  const cipher = new KeyCipher(ctx.found.masterKey);
  try {
    migratePlaintextKeys(db, cipher);
  } catch (error) {
    if (!(error instanceof KeyCipherError)) throw error;
    return {
      ...fail(
        'it is not the key the badge keys in this database were encrypted with',
        'restore the original master key file (the keys cannot be recovered without it)',
      ),
      name: 'master key',
    };
  }
  ctx.found.badges = new BadgeStore(db, cipher, clock);
  return null;
}
