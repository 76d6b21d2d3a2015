import { afterEach, describe, expect, it, vi } from 'vitest';
import { listenForStopSignal, runUntilStopSignal } from '../../src/commands/stop-signal.js';
import { createLogger } from '../../src/log.js';
import type { Notifier } from '../../src/systemd/notify.js';

function recordingNotifier(said: string[]): Notifier {
  return {
    enabled: true,
    ready: () => said.push('ready'),
    stopping: () => said.push('stopping'),
    watchdog: () => said.push('watchdog'),
    status: (text) => said.push(`status ${text}`),
    startWatchdog: () => {
      said.push('watchdog on');
      return () => said.push('watchdog off');
    },
  };
}

describe('stop signals', () => {
  afterEach(() => {
    vi.clearAllTimers();
    vi.useRealTimers();
  });

  it('stops a service whose SIGTERM came before its loop began (right after its ready line), once', async () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => lines.push(line) });
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    const signal = listenForStopSignal(logger);
    process.emit('SIGTERM', 'SIGTERM');

    const said: string[] = [];
    const stop = vi.fn(async () => {
      said.push('stopped');
    });
    await runUntilStopSignal({ notifier: recordingNotifier(said), signal, stop });

    expect(stop).toHaveBeenCalledTimes(1);
    expect(said).toEqual(['ready', 'watchdog on', 'stopping', 'watchdog off', 'stopped']);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ msg: 'stopping', signal: 'SIGTERM' }),
    ]);
    // A second signal is left to the default action: nothing of ours listens any more.
    expect({ term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') }).toEqual(before);
  });
});
