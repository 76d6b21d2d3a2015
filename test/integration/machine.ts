import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DEBOUNCE_MS, type Kiosk, TIME_ZONE, writeConfig } from './harness.js';
import type { LogLine } from './lines.js';

/** Helpers for the tests of what goes wrong around the kiosk: its disk, its files, its paths. */

export interface KioskConfig {
  baseUrl: string;
  dataDir?: string;
  /** Console signals render each idle change as a line on stdout, which the log reader keeps. */
  consoleSignals?: boolean;
  feedbackTimeoutMs?: number;
}

/** Rewrites the kiosk's configuration, as `createKiosk` does, with what a test changes. */
export function configure(kiosk: Kiosk, config: KioskConfig): void {
  writeConfig(
    kiosk.configPath,
    [
      `moco: { baseUrl: "${config.baseUrl}", timeoutMs: 1000 }`,
      `timezone: ${TIME_ZONE}`,
      `dataDir: "${config.dataDir ?? kiosk.dataDir}"`,
      'reader: { type: stdin }',
      `scan: { debounceMs: ${DEBOUNCE_MS}, repeatGuardSeconds: 60, feedbackTimeoutMs: ${config.feedbackTimeoutMs ?? 1500} }`,
      config.consoleSignals === true
        ? 'signals: { driver: console, selfTest: false }'
        : 'signals: { driver: none }',
      'log: { level: info }',
    ].join('\n'),
  );
}

/** A console signal line (not JSON) naming the idle state. */
export function idleLine(state: 'needs attention' | 'online' | 'offline'): (line: LogLine) => boolean {
  return (line) => line.msg === '(not json)' && String(line.text).includes(`idle: ${state}`);
}

export interface Tmpfs {
  dir: string;
  unmount(): void;
}

/**
 * A small tmpfs at `dir`: a disk that really fills up. Needs root; returns why not otherwise, so
 * the test can skip with the reason.
 */
export function mountTmpfs(dir: string, sizeKiB: number): Tmpfs | string {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  mkdirSync(dir, { recursive: true });
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0700`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (mounted.status !== 0)
    return `mount -t tmpfs failed: ${(mounted.stderr || mounted.error?.message) ?? ''}`.trim();
  return {
    dir,
    unmount: () => {
      spawnSync('umount', ['-l', dir]);
    },
  };
}

/** Writes a file until the file system says it is full; returns the file, which frees it when removed. */
export function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return path;
}

export function freeDisk(filler: string): void {
  rmSync(filler, { force: true });
}
