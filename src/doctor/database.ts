import { existsSync } from 'node:fs';
import { BadgeStore, migratePlaintextKeys } from '../store/badges.js';
import { type Database, DatabaseError, databasePath, openDatabase, userVersion } from '../store/database.js';
import { Journal } from '../store/journal.js';
import { MIGRATIONS } from '../store/migrations.js';
import { dropPrivilegesToOwnerOf, type PrivilegedProcess } from '../store/privileges.js';
import { KeyCipher, KeyCipherError } from '../store/secrets.js';
import { type Clock, systemClock } from '../time/clock.js';
import { type Check, type CheckResult, type DoctorContext, fail, ok } from './checks.js';
import { describeUser, type Identity, systemIdentity } from './identity.js';

export interface DatabaseDeps {
  process?: PrivilegedProcess;
  identity?: Identity;
  clock?: Clock;
}

/**
 * Opens the database the way every command does (which applies pending migrations) and checks the
 * master key against it. Never creates one: an empty database here would hide that the daemon has
 * not run yet, or that dataDir points somewhere else.
 */
export function databaseCheck(deps: DatabaseDeps = {}): Check {
  const proc = deps.process ?? process;
  const identity = deps.identity ?? systemIdentity();
  const clock = deps.clock ?? systemClock;
  return {
    name: 'database',
    async run(ctx) {
      const { dataDir } = ctx.config;
      // As root, become the daemon's user like the other commands do, after the root-only master
      // key was read: files SQLite creates must stay the daemon's, and what follows (devices, GPIO)
      // is then checked with the daemon's rights.
      const decision = dropPrivilegesToOwnerOf(dataDir, proc);
      const as = decision.dropped
        ? `; checked as ${describeUser(identity, decision.uid)}, the owner of ${dataDir}`
        : '';
      const path = databasePath(dataDir);
      if (!existsSync(path)) {
        return fail(
          `no database yet at ${path}${as}`,
          'it is created by the daemon on first start or by `moco-timeclock badge add`',
        );
      }
      let db: Database;
      try {
        db = openDatabase(path);
      } catch (error) {
        if (!(error instanceof DatabaseError)) throw error;
        return error.code === 'downgrade'
          ? fail(
              `${path} was written by a newer moco-timeclock (schema above ${MIGRATIONS.length})`,
              'install the newer moco-timeclock again, or restore a backup',
            )
          : fail(
              `${error.message}${as}`,
              `the database files must belong to the service user: sudo chown -R moco-timeclock: ${dataDir}`,
            );
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
