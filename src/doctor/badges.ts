import { badgesReport } from '../directory/report.js';
import { mocoBaseUrl } from '../moco/base-url.js';
import { MocoBadges } from '../store/moco-badges.js';
import { type Check, fail, ok, skip } from './checks.js';

/** What `status` says of the badges, as checks: the map itself, then one line per problem. */
export function badgesCheck(): Check {
  return {
    name: 'badges',
    async run({ config, found }) {
      if (found.db === null) return skip('not checked (see the database line)');
      if (config.badges.source === 'local' && found.badges === null) {
        return skip('not checked (see the master key line)');
      }
      const report = badgesReport(
        config,
        // Badges kept in MOCO need no master key: their copy holds no key.
        { badges: found.badges as NonNullable<typeof found.badges>, mocoBadges: new MocoBadges(found.db) },
        mocoBaseUrl(config.moco),
      );
      const booked =
        report.identity === 'impersonation' ? 'booked with the Staff key' : "booked with each person's key";
      const summary =
        report.moco === null
          ? `${report.count} on this kiosk, ${booked}`
          : `${report.count} kept in MOCO's "${report.moco.field}" field (${report.moco.usersWithField} of ${report.moco.users} users have it), as of the sync at ${report.moco.lastSyncAt ?? 'never'}`;
      return [ok(summary), ...report.problems.map((p) => fail(p.meaning, p.action))];
    },
  };
}
