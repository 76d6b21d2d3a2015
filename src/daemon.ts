import type { Config } from './config/index.js';
import { Courier } from './courier/courier.js';
import { RateLimiter } from './courier/rate-limiter.js';
import { TimeTrust } from './courier/time-trust.js';
import { createBadgeSource } from './directory/source.js';
import { Gate } from './gate.js';
import { configuredStaffKey } from './identity/staff-key.js';
import type { Logger } from './log.js';
import { mocoBaseUrl } from './moco/base-url.js';
import { MocoClient } from './moco/client.js';
import { MocoWatch } from './moco/watch.js';
import type { IdleState, Outcome } from './outcome.js';
import { createReader, type ReaderDeps } from './readers/factory.js';
import type { ReaderState } from './readers/reader.js';
import { createUidNormalizer } from './readers/uid.js';
import { createSignals, type SignalsDeps } from './signals/create-signals.js';
import { openStores, type Stores } from './store/open.js';
import { type DaemonStatus, writeDaemonStatus } from './store/status.js';
import { handleRead } from './tap.js';
import { type Clock, systemClock } from './time/clock.js';
import {
  type ClockSyncProbe,
  type MonotonicSource,
  processMonotonic,
  systemClockProbe,
} from './time/sync.js';
import { systemTimers, type Timers } from './time/timers.js';
import { VERSION } from './version.js';

const HEARTBEAT_MS = 5_000;
const CLOCK_PROBE_MS = 30_000;
const PRUNE_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface DaemonOptions {
  config: Config & { configPath: string };
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Where the stdin reader reads; the demo passes its own line source. */
  stdin?: NodeJS.ReadableStream;
  /** Where the console signals render. */
  signalsOut?: NodeJS.WritableStream;
  clock?: Clock;
  timers?: Timers;
  clockProbe?: ClockSyncProbe;
  monotonic?: MonotonicSource;
  readerDeps?: Partial<ReaderDeps>;
  signalsDeps?: Partial<SignalsDeps>;
}

export interface Daemon {
  readonly stores: Stores;
  readonly courier: Courier;
  /** Stops in reverse order of start: reader, courier, signals off, database closed. */
  stop(): Promise<void>;
}

/** The composition root: builds every part from the configuration, wires them, starts them in order. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  const part = (name: string) => logger.child({ part: name });

  // Before the stores: they may drop root, and the key file is root's.
  const staffKey = configuredStaffKey(config, options.env);
  const stores = openStores({ config, env: options.env, clock });
  if (stores.migratedKeys > 0) logger.info({ count: stores.migratedKeys }, 'encrypted plain-text API keys');
  const { journal, unknownScans, db } = stores;
  pruneJournal(stores, config, clock, logger);

  const watch = new MocoWatch(clock);
  const client = new MocoClient({
    baseUrl: mocoBaseUrl(config.moco),
    timeoutMs: config.moco.timeoutMs,
    logger: part('moco'),
    clock,
    onAnswer: (answer) => watch.record(answer),
  });
  const limiter = new RateLimiter(
    { requests: config.moco.rateLimit.requests, windowMs: config.moco.rateLimit.perSeconds * 1000 },
    clock,
    timers,
  );
  const timeTrust = new TimeTrust({
    probe: options.clockProbe ?? systemClockProbe(),
    mono: options.monotonic ?? processMonotonic,
    clock,
    journal,
    timeZone: config.timezone,
    logger: part('clock'),
  });
  await timeTrust.refresh();

  const signals = await createSignals(config.signals, {
    logger: part('signals'),
    out: options.signalsOut,
    ...options.signalsDeps,
  });

  const kiosk = {
    reader: 'connected' as ReaderState,
    lastScan: null as DaemonStatus['lastScan'],
    startedAt: clock.now(),
  };
  const writeStatus = () =>
    writeDaemonStatus(db, {
      pid: process.pid,
      version: VERSION,
      startedAt: kiosk.startedAt,
      heartbeatAt: clock.now(),
      connectivity: courier.status().connectivity,
      connectivitySince: courier.status().since,
      reader: kiosk.reader,
      clockSynchronized: timeTrust.probed(),
      lastScan: kiosk.lastScan,
    });
  const idle = (): IdleState => {
    if (kiosk.reader === 'disconnected' || journal.hasFailed()) return 'attention';
    return courier.status().connectivity === 'offline' ? 'offline' : 'online';
  };
  const refreshIdle = () => {
    signals.setIdle(idle());
    writeStatus();
  };

  const badgeSource = createBadgeSource({
    config,
    stores,
    staffKey,
    client,
    limiter,
    clock,
    timers,
    logger,
    // A sync that gets through again is news for the backlog too.
    onMocoBack: () => courier.probeNow(),
  });

  const courier = new Courier({
    journal,
    client,
    credentialsFor: badgeSource.credentialsFor,
    limiter,
    timeTrust,
    watch,
    clock,
    timers,
    logger: part('courier'),
    feedbackTimeoutMs: config.scan.feedbackTimeoutMs,
    onChange: refreshIdle,
  });

  const gate = new Gate(
    { debounceMs: config.scan.debounceMs, repeatGuardMs: config.scan.repeatGuardSeconds * 1000 },
    clock,
  );
  // A restart must not reopen the window in which a second tap would erase the first.
  for (const { uid, atMs } of journal.lastTapsSince(clock.now() - config.scan.repeatGuardSeconds * 1000)) {
    gate.accepted(uid, atMs);
  }

  const normalize = createUidNormalizer(config.reader, config.uid);
  const scanLogger = part('tap');
  const inFlight = new Set<Promise<unknown>>();
  // Last-seen times are bookkeeping, not attendance: they are written with the heartbeat, so a
  // tap costs one commit before its answer, not three.
  const lastSeen = new Map<string, number>();
  const badgeDirectory = {
    find: (uid: string) => badgeSource.find(uid),
    markSeen: (uid: string, at: number) => lastSeen.set(uid, at),
  };
  const heartbeat = () => {
    db.transaction(() => {
      for (const [uid, at] of lastSeen) badgeSource.markSeen(uid, at);
    })();
    lastSeen.clear();
    refreshIdle();
  };
  const onUid = (raw: string) => {
    const run = handleRead(raw, {
      normalize,
      gate,
      badges: badgeDirectory,
      unknownScans,
      journal,
      courier,
      signals,
      timing: () => timeTrust.stamp(),
      clock,
      timeZone: config.timezone,
      logger: scanLogger,
    }).then((outcome: Outcome | null) => {
      if (outcome === null) return;
      kiosk.lastScan = { at: clock.now(), outcome };
      signals.setIdle(idle());
    });
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  };

  const reader = await createReader(config.reader, {
    logger,
    stdin: options.stdin,
    timers,
    ...options.readerDeps,
  });
  await reader.start(onUid, (state) => {
    kiosk.reader = state;
    logger.info({ reader: state }, state === 'connected' ? 'reader connected' : 'reader disconnected');
    refreshIdle();
  });
  // A start (often a reboot after the outage) is a reason to try the backlog now, not after the
  // backoff an earlier run built up, which may be minutes.
  journal.makePendingDue();
  courier.start();
  badgeSource.start();

  const intervals = [
    // Also picks up what admin commands changed: failed taps retried or dropped.
    setInterval(heartbeat, HEARTBEAT_MS),
    setInterval(() => pruneJournal(stores, config, clock, logger), PRUNE_MS),
    setInterval(() => {
      void timeTrust.refresh().then(() => courier.kick());
    }, CLOCK_PROBE_MS),
  ];
  for (const interval of intervals) interval.unref();
  refreshIdle();
  logger.info(
    {
      version: VERSION,
      reader: config.reader.type,
      signals: signals.kind,
      moco: mocoBaseUrl(config.moco),
      identity: config.moco.identity,
      badges: config.badges.source,
    },
    'ready',
  );

  let stopping: Promise<void> | null = null;
  return {
    stores,
    courier,
    stop() {
      stopping ??= (async () => {
        for (const interval of intervals) clearInterval(interval);
        await reader.stop();
        await Promise.allSettled([...inFlight]);
        await courier.stop();
        await badgeSource.stop();
        limiter.stop();
        await signals.stop();
        heartbeat();
        client.close();
        stores.close();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}

function pruneJournal(stores: Stores, config: Config, clock: Clock, logger: Logger): void {
  const pruned = stores.journal.pruneDelivered(clock.now() - config.journal.retentionDays * DAY_MS);
  if (pruned > 0) logger.info({ pruned }, 'pruned delivered taps past the retention period');
}
