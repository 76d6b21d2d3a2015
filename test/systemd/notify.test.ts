import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import {
  createNotifier,
  type IntervalTimers,
  type Spawn,
  watchdogIntervalMs,
} from '../../src/systemd/notify.js';
import { captureLogger } from '../fakes/logger.js';

interface Call {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  child: EventEmitter;
}

function fakeSpawn(): { spawn: Spawn; calls: Call[] } {
  const calls: Call[] = [];
  const spawn: Spawn = (command, args, options) => {
    const child = new EventEmitter();
    calls.push({ command, args, env: options.env, child });
    return child;
  };
  return { spawn, calls };
}

/** Timers driven by hand: `advance(ms)` fires every interval that falls due. */
function manualTimers(): IntervalTimers & { advance(ms: number): void; active(): number } {
  let now = 0;
  let nextId = 1;
  const intervals = new Map<number, { callback: () => void; ms: number; due: number }>();
  return {
    setInterval(callback, ms) {
      const id = nextId++;
      intervals.set(id, { callback, ms, due: now + ms });
      return id;
    },
    clearInterval(handle) {
      intervals.delete(handle as number);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = [...intervals.values()].sort((a, b) => a.due - b.due)[0];
        if (next === undefined || next.due > end) break;
        now = next.due;
        next.due += next.ms;
        next.callback();
      }
      now = end;
    },
    active: () => intervals.size,
  };
}

const PID = 4242;
const SYSTEMD_ENV = {
  NOTIFY_SOCKET: '/run/systemd/notify',
  WATCHDOG_USEC: '30000000',
  WATCHDOG_PID: String(PID),
};

describe('createNotifier', () => {
  it('does nothing without NOTIFY_SOCKET', () => {
    const { spawn, calls } = fakeSpawn();
    const timers = manualTimers();
    const notifier = createNotifier({
      env: { WATCHDOG_USEC: '30000000' },
      spawn,
      logger: captureLogger().logger,
      pid: PID,
    });

    notifier.ready();
    notifier.status('ok');
    notifier.watchdog();
    notifier.stopping();
    const stop = notifier.startWatchdog(timers);
    timers.advance(60_000);
    stop();

    expect(notifier.enabled).toBe(false);
    expect(calls).toEqual([]);
    expect(timers.active()).toBe(0);
  });

  it('sends READY=1 on behalf of the daemon pid, with the notify socket in the environment', () => {
    const { spawn, calls } = fakeSpawn();
    const notifier = createNotifier({ env: SYSTEMD_ENV, spawn, logger: captureLogger().logger, pid: PID });

    notifier.ready();

    expect(calls).toHaveLength(1);
    expect(calls[0]?.command).toBe('systemd-notify');
    expect(calls[0]?.args).toEqual(['--pid=4242', 'READY=1']);
    expect(calls[0]?.env.NOTIFY_SOCKET).toBe('/run/systemd/notify');
  });

  it('sends STOPPING=1, WATCHDOG=1 and a status on one line', () => {
    const { spawn, calls } = fakeSpawn();
    const notifier = createNotifier({ env: SYSTEMD_ENV, spawn, logger: captureLogger().logger, pid: PID });

    notifier.stopping();
    notifier.watchdog();
    notifier.status('3 taps queued\nMOCO unreachable\r\n');

    expect(calls.map((call) => call.args[1])).toEqual([
      'STOPPING=1',
      'WATCHDOG=1',
      'STATUS=3 taps queued MOCO unreachable ',
    ]);
  });

  it('pings the watchdog every half of WATCHDOG_USEC until stopped', () => {
    const { spawn, calls } = fakeSpawn();
    const timers = manualTimers();
    const notifier = createNotifier({ env: SYSTEMD_ENV, spawn, logger: captureLogger().logger, pid: PID });

    const stop = notifier.startWatchdog(timers);
    timers.advance(14_999);
    expect(calls).toHaveLength(0);
    timers.advance(1);
    expect(calls.map((call) => call.args)).toEqual([['--pid=4242', 'WATCHDOG=1']]);
    timers.advance(30_000);
    expect(calls).toHaveLength(3);

    stop();
    timers.advance(60_000);
    expect(calls).toHaveLength(3);
    expect(timers.active()).toBe(0);
    stop();
  });

  it('does not ping when the watchdog is meant for another process or not configured', () => {
    const { spawn, calls } = fakeSpawn();
    const timers = manualTimers();
    const logger = captureLogger().logger;

    createNotifier({ env: { ...SYSTEMD_ENV, WATCHDOG_PID: '1' }, spawn, logger, pid: PID }).startWatchdog(
      timers,
    );
    createNotifier({ env: { NOTIFY_SOCKET: '/run/systemd/notify' }, spawn, logger, pid: PID }).startWatchdog(
      timers,
    );
    timers.advance(120_000);

    expect(calls).toEqual([]);
    expect(timers.active()).toBe(0);
  });

  it('warns once and does not throw when systemd-notify is missing', () => {
    const { spawn, calls } = fakeSpawn();
    const { logger, lines } = captureLogger();
    const notifier = createNotifier({ env: SYSTEMD_ENV, spawn, logger, pid: PID });

    notifier.ready();
    notifier.watchdog();
    for (const call of calls) {
      call.child.emit('error', Object.assign(new Error('spawn systemd-notify ENOENT'), { code: 'ENOENT' }));
    }

    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(/systemd-notify failed/);
    expect(warnings[0]?.notify).toBe('READY=1');
  });

  it('survives a spawn that throws, and reports a failed systemd-notify', () => {
    const { logger, lines } = captureLogger();
    const throwing = createNotifier({
      env: SYSTEMD_ENV,
      spawn: () => {
        throw new Error('EAGAIN');
      },
      logger,
      pid: PID,
    });
    expect(() => throwing.ready()).not.toThrow();

    const { spawn, calls } = fakeSpawn();
    const failing = createNotifier({ env: SYSTEMD_ENV, spawn, logger, pid: PID });
    failing.stopping();
    calls[0]?.child.emit('exit', 1);
    failing.watchdog();
    calls[1]?.child.emit('exit', 0);

    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings.map((line) => line.notify)).toEqual(['READY=1', 'STOPPING=1']);
    expect(warnings[1]?.code).toBe(1);
  });

  it('uses the global timers by default', () => {
    vi.useFakeTimers();
    try {
      const { spawn, calls } = fakeSpawn();
      const notifier = createNotifier({
        env: { ...SYSTEMD_ENV, WATCHDOG_USEC: '2000000' },
        spawn,
        logger: captureLogger().logger,
        pid: PID,
      });
      const stop = notifier.startWatchdog();
      vi.advanceTimersByTime(3000);
      expect(calls).toHaveLength(3);
      stop();
      vi.advanceTimersByTime(3000);
      expect(calls).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('watchdogIntervalMs', () => {
  it('is half of WATCHDOG_USEC in milliseconds', () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, PID)).toBe(15_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: String(PID) }, PID)).toBe(15_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '1500' }, PID)).toBe(1);
  });

  it('is null when absent, invalid, zero or meant for another pid', () => {
    expect(watchdogIntervalMs({}, PID)).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '' }, PID)).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30s' }, PID)).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '0' }, PID)).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '1' }, PID)).toBeNull();
  });
});
