import type { Config } from './config/index.js';
import { Courier } from './courier/courier.js';
import { mocoToday, recheckForgotten } from './courier/open-presences.js';
import { RateLimiter } from './courier/rate-limiter.js';
import { TimeTrust } from './courier/time-trust.js';
import { createBadgeSource } from './directory/source.js';
import { Gate } from './gate.js';
import { HEARTBEAT_MS } from './heartbeat.js';
import { configuredStaffKey } from './identity/staff-key.js';
import { KioskIdle } from './idle.js';
import type { KeyScrubber } from './key-scrubber.js';
import type { Logger } from './log.js';
import { mocoBaseUrl } from './moco/base-url.js';
import { MocoClient } from './moco/client.js';
import { MocoWatch } from './moco/watch.js';
import type { Outcome } from './outcome.js';
import { createReader, type ReaderDeps } from './readers/factory.js';
import type { ReaderState } from './readers/reader.js';
import { createUidNormalizer, type Uid } from './readers/uid.js';
import { createSignals, type SignalsDeps } from './signals/create-signals.js';
import { daemonBusyTimeoutMs, databasePath } from './store/database.js';
import { StorageHealth } from './store/health.js';
import { openStores, type Stores } from './store/open.js';
import { SendLogFile } from './store/send-log.js';
import { type DaemonStatus, writeDaemonStatus } from './store/status.js';
import { handleTap } from './tap.js';
import { type Clock, systemClock } from './time/clock.js';
import {
  type ClockSyncProbe,
  type MonotonicSource,
  processMonotonic,
  systemClockProbe,
} from './time/sync.js';
import { systemTimers, type Timers } from './time/timers.js';
import { VERSION } from './version.js';

const RATE_WINDOW_MARGIN_MS = 1_000;
const DAY_MS = 86_400_000;
/** Pruning shares the event loop with taps: short turns, and a yield in between. */
const PRUNE_TURN = { budgetMs: 20, pauseMs: 0 };

/** How often the daemon does its periodic work (ms). */
export interface DaemonIntervals {
  /**
   * The status heartbeat, last-seen times and the idle state; also picks up admin commands' changes.
   * `status` and `doctor` judge staleness by HEARTBEAT_MS, so only tests shorten it.
   */
  heartbeatMs: number;
  /** Whether the system clock is synchronised yet. */
  clockProbeMs: number;
  /** Delivered taps past the retention period. */
  pruneMs: number;
  /** Forgotten clock-outs are few; each is looked up hourly (RECHECK_MS), this only says when to look. */
  recheckForgottenMs: number;
}

export const DEFAULT_INTERVALS: DaemonIntervals = {
  heartbeatMs: HEARTBEAT_MS,
  clockProbeMs: 30_000,
  pruneMs: 3_600_000,
  recheckForgottenMs: 10 * 60_000,
};

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
  intervals?: Partial<DaemonIntervals>;
  clockProbe?: ClockSyncProbe;
  monotonic?: MonotonicSource;
  readerDeps?: Partial<ReaderDeps>;
  signalsDeps?: Partial<SignalsDeps>;
  /** Shared with the logger, so the keys the MOCO client sends are scrubbed from the log too. */
  scrubber?: KeyScrubber;
}

export interface Daemon {
  readonly stores: Stores;
  readonly courier: Courier;
  /** Stops in reverse order of start: reader, courier, signals off, database closed. */
  stop(): Promise<void>;
}

/** The composition root: builds every part from the configuration, wires them, starts them in order. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const started: { stop(): unknown }[] = [];
  try {
    return await buildDaemon(options, started);
  } catch (error) {
    // Never a half start: whatever did start is stopped, the lock released, and the caller exits.
    for (const part of started.reverse()) {
      await Promise.resolve()
        .then(() => part.stop())
        .catch((stopError: unknown) =>
          options.logger.warn({ err: stopError }, 'stopping after a failed start'),
        );
    }
    throw error;
  }
}

async function buildDaemon(options: DaemonOptions, started: { stop(): unknown }[]): Promise<Daemon> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  const every = { ...DEFAULT_INTERVALS, ...options.intervals };
  const log = partLoggers(logger);

  // The idle signal follows the storage's health; the signals exist only further down.
  let idle: KioskIdle | null = null;
  const storage = new StorageHealth({
    path: databasePath(config.dataDir),
    logger: log.store,
    now: () => clock.now(),
    onChange: () => idle?.refresh(),
  });
  // Before the stores: they may drop root, and the key file is root's.
  const staffKey = configuredStaffKey(config, options.env);
  const stores = openStores({
    config,
    env: options.env,
    clock,
    access: 'daemon',
    busyTimeoutMs: daemonBusyTimeoutMs(config.scan.feedbackTimeoutMs),
    observer: storage,
  });
  started.push({ stop: () => stores.close() });
  if (stores.migratedKeys > 0) logger.info({ count: stores.migratedKeys }, 'encrypted plain-text API keys');
  const { journal, unknownScans, db } = stores;

  const watch = new MocoWatch(clock);
  // MOCO counts a request when it arrives, a moment after it left here: a second's margin keeps
  // the kiosk's window from closing before MOCO's does.
  const rateWindow = {
    requests: config.moco.rateLimit.requests,
    windowMs: config.moco.rateLimit.perSeconds * 1000 + RATE_WINDOW_MARGIN_MS,
  };
  const client = new MocoClient({
    baseUrl: mocoBaseUrl(config.moco),
    timeoutMs: config.moco.timeoutMs,
    // The client names its part itself: a second `part` binding would print the key twice.
    logger,
    clock,
    onAnswer: (answer) => watch.record(answer),
    scrubber: options.scrubber,
    caFile: config.moco.caFile,
    timers,
    keepWarm: {
      settings: config.moco.keepWarm,
      limit: rateWindow,
      // Below every waiting request: it takes a slot only when nothing waits for one.
      tryAcquire: () => limiter.tryAcquire('sync'),
    },
  });
  started.push({ stop: () => client.close() });
  const sendLog = new SendLogFile(config.dataDir);
  started.push({ stop: () => sendLog.close() });
  let sendLogFailing = false;
  const limiter = new RateLimiter(rateWindow, clock, timers, sendLog, (error) => {
    if (sendLogFailing) return;
    sendLogFailing = true;
    log.moco.warn(
      { err: error },
      'cannot record when requests went out; a restart may exceed the rate limit',
    );
  });
  const timeTrust = new TimeTrust({
    probe: options.clockProbe ?? systemClockProbe(),
    mono: options.monotonic ?? processMonotonic,
    clock,
    journal,
    timeZone: config.timezone,
    logger: log.clock,
    mocoOffsetMs: () => watch.offsetMs(),
  });
  await timeTrust.refresh();

  const signals = await createSignals(config.signals, {
    logger: log.signals,
    out: options.signalsOut,
    ...options.signalsDeps,
  });
  started.push(signals);

  const kiosk = {
    reader: 'connected' as ReaderState,
    lastScan: null as DaemonStatus['lastScan'],
    startedAt: clock.now(),
  };
  const writeStatus = () =>
    storage.attempt('status', () =>
      writeDaemonStatus(db, {
        pid: process.pid,
        version: VERSION,
        startedAt: kiosk.startedAt,
        heartbeatAt: clock.now(),
        connectivity: courier.status().connectivity,
        connectivitySince: courier.status().since,
        reader: kiosk.reader,
        clockSynchronized: timeTrust.probed(),
        mocoClockOffsetMs: watch.offsetMs(),
        lastScan: kiosk.lastScan,
      }),
    );
  const today = () => mocoToday(clock.now(), watch.offsetMs(), config.timezone);
  const kioskIdle = new KioskIdle(
    {
      reader: () => kiosk.reader,
      storageFailing: () => storage.failing,
      connectivity: () => courier.status().connectivity,
      journal,
      config,
      today,
    },
    (state) => signals.setIdle(state),
  );
  idle = kioskIdle;
  const refreshIdle = () => {
    kioskIdle.refresh();
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
    logger: log.courier,
    timeZone: config.timezone,
    feedbackTimeoutMs: config.scan.feedbackTimeoutMs,
    settleMs: config.moco.settleMs,
    nightShift: config.scan.nightShift,
    onChange: refreshIdle,
  });

  const gate = new Gate(
    { debounceMs: config.scan.debounceMs, repeatGuardMs: config.scan.repeatGuardSeconds * 1000 },
    clock,
  );
  // A restart must not reopen the window in which a second tap would erase the first.
  for (const { lane, atMs } of journal.lastTapsSince(clock.now() - config.scan.repeatGuardSeconds * 1000)) {
    gate.accepted(lane, atMs);
  }

  const normalize = createUidNormalizer(config.reader, config.uid);
  const tapsUnderWay = new Set<Promise<unknown>>();
  // Last-seen times are bookkeeping, not attendance: they are written with the heartbeat, so a
  // tap costs one commit before its answer, not three.
  const lastSeen = new Map<Uid, number>();
  const badgeDirectory = {
    find: (uid: Uid) => badgeSource.find(uid),
    markSeen: (uid: Uid, at: number) => lastSeen.set(uid, at),
  };
  const heartbeat = () => {
    // Kept when the write failed: the next beat records them. No write, no attempt: an empty
    // transaction takes no lock, so its success would say nothing about the storage.
    if (lastSeen.size > 0) {
      const recorded = storage.attempt('last seen', () =>
        db.transaction(() => {
          for (const [uid, at] of lastSeen) badgeSource.markSeen(uid, at);
        })(),
      );
      if (recorded) lastSeen.clear();
    }
    refreshIdle();
  };
  const onUid = (raw: string) => {
    const run = handleTap(raw, {
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
      logger: log.tap,
    }).then((outcome: Outcome | null) => {
      if (outcome === null) return;
      kiosk.lastScan = { at: clock.now(), outcome };
      kioskIdle.refresh();
    });
    tapsUnderWay.add(run);
    void run.finally(() => tapsUnderWay.delete(run));
  };

  const reader = await createReader(config.reader, {
    logger,
    stdin: options.stdin,
    timers,
    ...options.readerDeps,
  });
  started.push(reader);
  await reader.start(onUid, (state) => {
    kiosk.reader = state;
    logger.info({ reader: state }, state === 'connected' ? 'reader connected' : 'reader disconnected');
    refreshIdle();
  });
  courier.start();
  started.push(courier);
  badgeSource.start();
  started.push(badgeSource);
  // Kept, so that stopping waits for a prune under way instead of closing the database under it.
  let pruning = pruneJournal(stores, storage, config, clock, logger);

  const recheckDeps = {
    journal,
    config,
    client,
    credentialsFor: badgeSource.credentialsFor,
    beforeRequest: () => limiter.acquire('drain'),
    now: () => clock.now(),
    today,
    logger: log.courier,
  };
  let rechecking: Promise<unknown> = Promise.resolve();
  const intervals = [
    // Also picks up what admin commands changed: failed taps retried or dropped.
    timers.setInterval(heartbeat, every.heartbeatMs),
    timers.setInterval(() => {
      pruning = pruning.then(() => pruneJournal(stores, storage, config, clock, logger));
    }, every.pruneMs),
    timers.setInterval(() => {
      void timeTrust.refresh().then(() => courier.kick());
    }, every.clockProbeMs),
    timers.setInterval(() => {
      rechecking = rechecking
        .then(() => recheckForgotten(recheckDeps))
        .then((mended) => mended && refreshIdle())
        .catch((error: unknown) =>
          log.courier.warn({ err: error }, 'could not recheck forgotten clock-outs'),
        );
    }, every.recheckForgottenMs),
  ];
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
        for (const interval of intervals) timers.clearInterval(interval);
        await reader.stop();
        await Promise.allSettled([...tapsUnderWay]);
        await courier.stop();
        await badgeSource.stop();
        await rechecking;
        limiter.stop();
        sendLog.close();
        await signals.stop();
        await pruning;
        heartbeat();
        client.close();
        stores.close();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}

/**
 * Each part's logger, named here once. The MOCO client, the reader and the badge source name their
 * part themselves (`moco`, `reader`, `badges`): they get the root logger.
 */
function partLoggers(root: Logger) {
  const part = (name: string) => root.child({ part: name });
  return {
    store: part('store'),
    moco: part('moco'),
    clock: part('clock'),
    signals: part('signals'),
    courier: part('courier'),
    tap: part('tap'),
  };
}

async function pruneJournal(
  stores: Stores,
  storage: StorageHealth,
  config: Config,
  clock: Clock,
  logger: Logger,
): Promise<void> {
  try {
    const before = clock.now() - config.journal.retentionDays * DAY_MS;
    const pruned = await stores.journal.pruneDelivered(before, PRUNE_TURN);
    if (pruned > 0) logger.info({ pruned }, 'pruned delivered taps past the retention period');
  } catch (error) {
    storage.failed(error, 'prune');
  }
}
