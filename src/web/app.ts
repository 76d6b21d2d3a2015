import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { parseListen } from '../config/listen.js';
import { enrolInMoco } from '../directory/enrol.js';
import { type KeyVerifier, verifyKeyWithMoco } from '../enrolment/verify-key.js';
import { configuredStaffKey } from '../identity/staff-key.js';
import type { Logger } from '../log.js';
import { createTypedUidNormalizer } from '../readers/uid.js';
import { buildReport, readStatusFacts } from '../status/report.js';
import { openStores, type Stores } from '../store/open.js';
import { type Clock, systemClock } from '../time/clock.js';
import { systemTimers, type Timers } from '../time/timers.js';
import { budgetedStaff, impersonationIdentity, userKeysIdentity } from './enrol.js';
import { createWebMoco, type WebMoco } from './moco.js';
import { PasswordStore } from './password.js';
import { buildWebServer } from './server.js';
import { SessionStore } from './sessions.js';
import { knownUsers, ownKeyOf, peopleInMoco, staffKeyFor, TodayService } from './today.js';

export interface WebOptions {
  config: Config & { configPath: string };
  env: NodeJS.ProcessEnv;
  /** The root logger: the page names its own part (`web`), its MOCO client its own (`moco`). */
  logger: Logger;
  clock?: Clock;
  timers?: Timers;
  verifyKey?: KeyVerifier;
}

export interface WebApp {
  server: FastifyInstance;
  /** `http://host:port` it listens on. */
  url: string;
  stop(): Promise<void>;
}

export type WebStartError = 'no_password';

export class WebError extends Error {
  readonly code: WebStartError;

  constructor(code: WebStartError, message: string) {
    super(message);
    this.name = 'WebError';
    this.code = code;
  }
}

/** Everything the page is made of, built but not listening: `startWeb` listens, tests inject. */
export interface WebParts {
  server: FastifyInstance;
  stores: Stores;
  moco: WebMoco;
  passwords: PasswordStore;
  /** Closes the server, then MOCO's sockets, then the database. */
  close(): Promise<void>;
}

/**
 * The composition root of the admin page: its own process beside the daemon, sharing the database.
 * Its writes are single short statements (no transaction spans a request to MOCO), so a tap
 * never waits for the page longer than one of them takes.
 */
export async function composeWeb(options: WebOptions): Promise<WebParts> {
  const { config } = options;
  const logger = options.logger.child({ part: 'web' });
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  // Before the stores: they may drop root, and the key file is root's.
  const staffKey = configuredStaffKey(config, options.env);
  const stores = openStores({ config, env: options.env, clock });
  const moco = createWebMoco({
    moco: config.moco,
    web: config.web,
    clock,
    timers,
    // The client names its part itself: under the page's, every MOCO line would say `part` twice.
    logger: options.logger,
  });
  try {
    const passwords = new PasswordStore(stores.db);
    const daemonStatus = () => buildReport(readStatusFacts(stores, config, clock.now()));
    const staff = staffKey === null ? null : budgetedStaff(moco.client, staffKey, moco.budget);
    const inMoco =
      config.badges.source === 'moco' && staff !== null
        ? {
            field: config.badges.field,
            cache: stores.mocoBadges,
            enrol: (uid: string, who: string) =>
              enrolInMoco(
                {
                  staff,
                  cache: stores.mocoBadges,
                  field: config.badges.field,
                  normalize: createTypedUidNormalizer(config.uid),
                  baseUrl: moco.baseUrl,
                },
                uid,
                who,
              ),
          }
        : null;
    const today = new TodayService({
      people: () => (inMoco === null ? knownUsers(stores.badges.list()) : peopleInMoco(stores.mocoBadges)),
      credentialsOf: staffKey === null ? ownKeyOf(stores.badges) : staffKeyFor(staffKey),
      client: moco.client,
      budget: moco.budget,
      clock,
      timeZone: config.timezone,
      baseUrl: moco.baseUrl,
      holdBack: () => holdBack(daemonStatus()),
    });
    const server = await buildWebServer({
      config,
      db: stores.db,
      badges: stores.badges,
      unknownScans: stores.unknownScans,
      journal: stores.journal,
      passwords,
      sessions: new SessionStore(clock, config.web.sessionHours * 3_600_000),
      today,
      identity:
        staff === null
          ? userKeysIdentity({
              moco: config.moco,
              verify: options.verifyKey ?? verifyKeyWithMoco,
              budget: moco.budget,
            })
          : impersonationIdentity({ staff, baseUrl: moco.baseUrl }),
      inMoco,
      mocoClock: moco.clockWatch,
      probeMocoClock: () => moco.probeClock(),
      baseUrl: moco.baseUrl,
      daemonStatus,
      clock,
      logger,
    });
    return {
      server,
      stores,
      moco,
      passwords,
      async close() {
        await server.close();
        moco.close();
        stores.close();
      },
    };
  } catch (error) {
    moco.close();
    stores.close();
    throw error;
  }
}

/** Builds the page and listens on `web.listen`; refuses to start without an admin password. */
export async function startWeb(options: WebOptions): Promise<WebApp> {
  const { config } = options;
  const logger = options.logger.child({ part: 'web' });
  const parts = await composeWeb(options);
  try {
    if (parts.passwords.current() === null) {
      throw new WebError(
        'no_password',
        'no admin password is set for the web page: run "sudo moco-timeclock web passwd" first',
      );
    }
    const listen = parseListen(config.web.listen) as { host: string; port: number };
    const url = await parts.server.listen({ host: listen.host, port: listen.port });
    logger.info({ url, moco: parts.moco.baseUrl }, 'web ready');
    let stopping: Promise<void> | null = null;
    return {
      server: parts.server,
      url,
      stop() {
        stopping ??= parts.close().then(() => logger.info('web stopped'));
        return stopping;
      },
    };
  } catch (error) {
    await parts.close();
    throw error;
  }
}

/** The taps come first: while the daemon has taps to deliver, or cannot reach MOCO, the page does not ask. */
function holdBack(report: ReturnType<typeof buildReport>): string | null {
  if (!report.daemon.running) return null;
  if (report.moco.connectivity === 'offline')
    return 'the kiosk cannot reach MOCO; the presences are as last read';
  if (report.taps.pending > 0) {
    return `the kiosk is delivering ${report.taps.pending} waiting tap${report.taps.pending === 1 ? '' : 's'} first; ask again once ${report.taps.pending === 1 ? 'it is' : 'they are'} out`;
  }
  return null;
}
