import { statSync } from 'node:fs';
import { RateLimiter } from '../courier/rate-limiter.js';
import { explainMocoTrouble } from '../failures/explain.js';
import { loadStaffKey, StaffKeyError, staffKeyPath } from '../identity/staff-key.js';
import { staffKeyTrouble } from '../identity/users.js';
import { mocoBaseUrl } from '../moco/base-url.js';
import { MocoClient, type MocoClientOptions, type MocoUserClient } from '../moco/client.js';
import { isMocoError } from '../moco/errors.js';
import { MocoBadges, type UserRef } from '../store/moco-badges.js';
import { type Clock, systemClock } from '../time/clock.js';
import { systemTimers, type Timers } from '../time/timers.js';
import { type Check, type CheckResult, type DoctorContext, fail, ok, skip } from './checks.js';
import { doctorRateLimit } from './moco.js';

export interface StaffCheckDeps {
  env?: NodeJS.ProcessEnv;
  createClient?: (options: MocoClientOptions) => Pick<MocoClient, 'forKey' | 'close'>;
  clock?: Clock;
  timers?: Timers;
}

const STAFF_FIX =
  "give the key's MOCO user the Staff permission in MOCO (the user's permissions), or use the key of a user who has it";

/**
 * `moco.identity: impersonation`: the Staff key is there and private, MOCO accepts it, it may read
 * users (`badge add --user`, badges kept in MOCO), and it acts for an enrolled user.
 *
 * The reference shows impersonation at work only for `POST /users/presences`
 * (presence-create-impersonate-200.json). That an impersonated `GET /session` answers the
 * impersonated user is how the issue describes the check and how the simulator answers; no
 * recording shows it. An answer naming the key's own user therefore fails: taps could be booked
 * for the Staff user instead of the person at the door, and only an admin can find out which.
 */
export function staffKeyCheck(deps: StaffCheckDeps = {}): Check {
  const createClient = deps.createClient ?? ((options) => new MocoClient(options));
  return {
    name: 'Staff key',
    async run(ctx) {
      const { config, configPath } = ctx;
      if (config.moco.identity !== 'impersonation')
        return skip('moco.identity is user-keys: every badge has its own key');
      const path = staffKeyPath({ configPath, staffKeyFile: config.moco.staffKeyFile });
      let key: string;
      try {
        key = loadStaffKey({
          env: deps.env ?? process.env,
          configPath,
          staffKeyFile: config.moco.staffKeyFile,
        });
      } catch (error) {
        if (!(error instanceof StaffKeyError)) throw error;
        return fail(error.message, fixFor(error, path));
      }
      const exposed = exposedFile(path);
      const baseUrl = mocoBaseUrl(config.moco);
      const client = createClient({ baseUrl, timeoutMs: config.moco.timeoutMs, caFile: config.moco.caFile });
      const limiter = new RateLimiter(
        doctorRateLimit(config.moco.rateLimit),
        deps.clock ?? systemClock,
        deps.timers ?? systemTimers,
      );
      const limited = (impersonateUserId?: number): MocoUserClient =>
        client.forKey(key, { impersonateUserId, beforeRequest: () => limiter.acquire('drain') });
      try {
        return [...exposed, ...(await askMoco(limited, enrolledUsers(ctx), baseUrl))];
      } finally {
        limiter.stop();
        client.close();
      }
    },
  };
}

async function askMoco(
  as: (impersonateUserId?: number) => MocoUserClient,
  enrolled: UserRef[],
  baseUrl: string,
): Promise<CheckResult[]> {
  let own: number;
  try {
    own = (await as().session()).id;
  } catch (error) {
    if (!isMocoError(error)) throw error;
    if (explainMocoTrouble(error.code, { baseUrl }) !== null)
      return [skip('MOCO does not answer: see the MOCO line')];
    return [
      fail(
        staffKeyTrouble(error, baseUrl),
        'put the key of a MOCO user with the Staff permission into the Staff key file',
      ),
    ];
  }
  const results: CheckResult[] = [];
  try {
    await as().getUser(own);
  } catch (error) {
    if (!isMocoError(error)) throw error;
    results.push(
      fail(
        `the Staff key (MOCO user ${own}) may not read MOCO's users (${error.status ?? error.code}): "badge add --user" and badges kept in MOCO need it`,
        STAFF_FIX,
      ),
    );
  }
  // Acting for the key's own user would prove nothing.
  const target = enrolled.find((u) => u.id !== own) ?? null;
  if (target === null) {
    return [
      ok(`MOCO accepts the Staff key (user ${own}); no badge enrolled yet to try acting for its user`),
      ...results,
    ];
  }
  const who = `${target.name} (user ${target.id})`;
  try {
    const answered = (await as(target.id).session()).id;
    if (answered !== target.id) {
      return [
        ...results,
        fail(
          `asked to act for ${who}, MOCO answered as user ${answered}: taps could be booked for the wrong person`,
          STAFF_FIX,
        ),
      ];
    }
  } catch (error) {
    if (!isMocoError(error)) throw error;
    if (error.code === 'not_found') {
      return [
        ...results,
        fail(
          `MOCO has no user ${target.id} (${target.name}) to act for`,
          'enrol the badge for an existing user',
        ),
      ];
    }
    if (error.code === 'forbidden') {
      return [
        ...results,
        fail(`MOCO refuses the Staff key (user ${own}) acting for ${who} (403)`, STAFF_FIX),
      ];
    }
    return [...results, fail(staffKeyTrouble(error, baseUrl), STAFF_FIX)];
  }
  return [ok(`MOCO accepts the Staff key (user ${own}) acting for ${who}`), ...results];
}

/** The users badges book for: enrolled on this kiosk, or in MOCO's copy. */
function enrolledUsers({ config, found }: DoctorContext): UserRef[] {
  if (config.badges.source === 'moco') {
    return found.db === null
      ? []
      : new MocoBadges(found.db).list().map((row) => ({ id: row.userId, name: row.userName }));
  }
  return (found.badges?.list() ?? []).flatMap((b) =>
    b.userId === null ? [] : [{ id: b.userId, name: b.userName ?? b.label ?? `badge ${b.uid}` }],
  );
}

function exposedFile(path: string): CheckResult[] {
  try {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) === 0) return [];
    return [
      fail(
        `the Staff key file ${path} can be read by others (mode ${mode.toString(8)})`,
        `sudo chmod 600 ${path}`,
      ),
    ];
  } catch {
    // Only a systemd credential holds it, or it is gone since it was read: nothing to narrow.
    return [];
  }
}

function fixFor(error: StaffKeyError, path: string): string {
  switch (error.code) {
    case 'missing':
      return `sudo install -m 600 /dev/stdin ${path}, paste the key, then Ctrl-D (see docs/fleet.md)`;
    case 'unreadable':
      return 'run the doctor with sudo';
    case 'invalid':
      return `write the key alone on one line into ${path}`;
  }
}
