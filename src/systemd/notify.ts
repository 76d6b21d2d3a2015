import { spawn as spawnProcess } from 'node:child_process';
import type { Logger } from '../log.js';
import { systemTimers, type Timers } from '../time/timers.js';

/**
 * sd_notify for a Type=notify unit. Node.js cannot send datagrams on a unix socket, so each
 * message is one `systemd-notify` child process, which the unit accepts because of
 * NotifyAccess=all. Outside systemd (no NOTIFY_SOCKET) every method does nothing.
 */
export interface Notifier {
  /** Whether systemd listens (NOTIFY_SOCKET is set). */
  readonly enabled: boolean;
  /** Start-up is complete: systemd considers the service started. */
  ready(): void;
  /** Shutdown has begun. */
  stopping(): void;
  /** One watchdog keep-alive. */
  watchdog(): void;
  /** The one-line status `systemctl status` shows. */
  status(text: string): void;
  /**
   * Sends WATCHDOG=1 every half of WATCHDOG_USEC while the event loop runs, so a hung loop gets
   * the service restarted. Returns the function that stops the pings.
   */
  startWatchdog(timers?: IntervalTimers): () => void;
}

/** What the watchdog needs of the injected timers (src/time/timers.ts). */
export type IntervalTimers = Pick<Timers, 'setInterval' | 'clearInterval'>;

/** The part of a spawned child the notifier listens to. */
export interface SpawnedChild {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'exit', listener: (code: number | null) => void): unknown;
}

export type Spawn = (
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; stdio: 'ignore' },
) => SpawnedChild;

export interface NotifierOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  spawn?: Spawn;
  /** The daemon's pid, which systemd must attribute the messages to. Default: process.pid. */
  pid?: number;
}

const noop = (): void => {};

export function createNotifier(options: NotifierOptions): Notifier {
  const { env, logger } = options;
  const spawn = options.spawn ?? spawnProcess;
  const pid = options.pid ?? process.pid;
  const enabled = Boolean(env.NOTIFY_SOCKET);
  let warned = false;

  function failed(detail: Record<string, unknown>): void {
    // Once: a missing systemd-notify would otherwise log on every watchdog ping.
    if (warned) return;
    warned = true;
    logger.warn(detail, 'systemd-notify failed; systemd may not see this daemon as ready or alive');
  }

  function send(assignment: string): void {
    if (!enabled) return;
    // --pid: the message is about the daemon, not the short-lived systemd-notify child.
    const args = [`--pid=${pid}`, assignment];
    try {
      const child = spawn('systemd-notify', args, { env, stdio: 'ignore' });
      child.on('error', (error) => failed({ err: error, notify: assignment }));
      child.on('exit', (code) => {
        if (code !== 0 && code !== null) failed({ code, notify: assignment });
      });
    } catch (error) {
      failed({ err: error, notify: assignment });
    }
  }

  return {
    enabled,
    ready: () => send('READY=1'),
    stopping: () => send('STOPPING=1'),
    watchdog: () => send('WATCHDOG=1'),
    // A newline would start a new assignment in the notify protocol.
    status: (text) => send(`STATUS=${text.replace(/[\r\n]+/g, ' ')}`),
    // systemTimers' intervals are unref'd: the pings alone do not keep a finished daemon alive.
    startWatchdog(timers = systemTimers) {
      const intervalMs = watchdogIntervalMs(env, pid);
      if (!enabled || intervalMs === null) return noop;
      logger.debug({ intervalMs }, 'systemd watchdog pings');
      const handle = timers.setInterval(() => send('WATCHDOG=1'), intervalMs);
      let stopped = false;
      return () => {
        if (stopped) return;
        stopped = true;
        timers.clearInterval(handle);
      };
    },
  };
}

/**
 * Half of WATCHDOG_USEC in milliseconds, as sd_watchdog_enabled(3) advises, or null when
 * systemd expects no pings from this process: no or an invalid WATCHDOG_USEC, or a
 * WATCHDOG_PID naming another process.
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | null {
  const usec = env.WATCHDOG_USEC;
  if (usec === undefined || !/^\d+$/.test(usec) || Number(usec) === 0) return null;
  const watchdogPid = env.WATCHDOG_PID;
  if (watchdogPid !== undefined && watchdogPid !== '' && watchdogPid !== String(pid)) return null;
  return Math.max(1, Math.floor(Number(usec) / 2000));
}
