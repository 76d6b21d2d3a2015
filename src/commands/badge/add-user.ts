import type { Config } from '../../config/index.js';
import { enrolInMoco, type MocoEnrolment, manualInstruction } from '../../directory/enrol.js';
import { CliError, EXIT } from '../../exit.js';
import { configuredStaffKey } from '../../identity/staff-key.js';
import { findActiveUser, nameOf } from '../../identity/users.js';
import { mocoBaseUrl } from '../../moco/base-url.js';
import { MocoClient } from '../../moco/client.js';
import { createTypedUidNormalizer } from '../../readers/uid.js';
import { type AddOptions, describeOwner, type Io, lastUnknown, withStore } from './context.js';

/**
 * `moco.identity: impersonation`: the badge is the MOCO user's, booked with the Staff key. Kept on
 * this kiosk (`badges.source: local`), or written into the user's badge field in MOCO (`moco`).
 */
export async function addForUser(
  io: Io,
  config: Config & { configPath: string },
  typedUid: string | undefined,
  options: AddOptions,
): Promise<void> {
  if (config.moco.identity !== 'impersonation') {
    throw new CliError(
      '--user needs moco.identity: impersonation (one Staff key acting for everyone); with personal keys give --key',
      EXIT.usage,
    );
  }
  if (options.key !== undefined) {
    throw new CliError(
      'moco.identity is impersonation, so no personal key is stored: give the MOCO user with --user, not --key',
      EXIT.usage,
    );
  }
  if (options.user === undefined) {
    throw new CliError(
      "moco.identity is impersonation: give the badge's MOCO user with --user <id or email>",
      EXIT.usage,
    );
  }
  if (!options.verify)
    throw new CliError('--user is always checked in MOCO: leave out --no-verify', EXIT.usage);
  const who = options.user;
  // Before the stores: they drop root, and the Staff key is root's.
  const staffKey = configuredStaffKey(config, io.env) as string;
  const baseUrl = mocoBaseUrl(config.moco);
  const client = new MocoClient({ baseUrl, timeoutMs: config.moco.timeoutMs, caFile: config.moco.caFile });
  try {
    const staff = client.forKey(staffKey);
    await withStore(io, options.config, 'enrol', async ({ badges, mocoBadges, unknownScans }) => {
      const uid = typedUid ?? lastUnknown(io, unknownScans, config.timezone);
      if (config.badges.source === 'moco') {
        const enrolment = await enrolInMoco(
          {
            staff,
            cache: mocoBadges,
            field: config.badges.field,
            normalize: createTypedUidNormalizer(config.uid),
            baseUrl,
          },
          uid,
          who,
        );
        io.out(describeEnrolment(enrolment, uid, config));
        return;
      }
      const existing = badges.find(uid);
      if (existing !== null && options.replace !== true) {
        throw new CliError(
          `badge ${uid} is already mapped${describeOwner(existing)}: add --replace to give it to another user`,
        );
      }
      const found = await findActiveUser(staff, who, baseUrl);
      if (!found.ok) throw new CliError(found.message);
      const userName = nameOf(found.user);
      const stored = badges.add(
        { uid, label: options.name, userId: found.user.id, userName, apiKey: null },
        { replace: options.replace === true },
      );
      const label = stored.label === null ? '' : `, label ${JSON.stringify(stored.label)}`;
      io.out(
        `${existing === null ? 'added' : 'replaced'} badge ${uid} -> ${userName} (MOCO user ${found.user.id}), booked with the Staff key${label}\n`,
      );
    });
  } finally {
    client.close();
  }
}

function describeEnrolment(enrolment: MocoEnrolment, uid: string, config: Config): string {
  const later = `the kiosks pick it up within ${Math.ceil(config.badges.syncSeconds / 60)} min`;
  switch (enrolment.kind) {
    case 'added':
      return `added badge ${uid} to ${nameOf(enrolment.user)} (MOCO user ${enrolment.user.id}) in MOCO's "${config.badges.field}" field; this kiosk knows it now, ${later}\n`;
    case 'already':
      return `badge ${uid} is in ${nameOf(enrolment.user)}'s "${config.badges.field}" field in MOCO already\n`;
    case 'manual':
      throw new CliError(
        `badge ${uid} is not enrolled: ${enrolment.why}. Instead, ${manualInstruction(enrolment, config.badges.field)} (${later})`,
      );
    case 'refused':
      throw new CliError(`badge ${uid} is not enrolled: ${enrolment.message}`);
  }
}
