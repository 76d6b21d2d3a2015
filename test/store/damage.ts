import { readFileSync, writeFileSync } from 'node:fs';

const PAGE = 4096;

/**
 * Overwrites a stretch in every third page after the first (the header stays valid, so SQLite
 * opens the file) with bytes that are no SQLite structure: what a failing SD card leaves.
 */
export function damagePages(path: string): void {
  const bytes = readFileSync(path);
  for (let page = 1; page < bytes.length / PAGE; page += 3) {
    for (let i = 0; i < 200; i += 1) bytes[page * PAGE + 100 + i] = (i * 37 + page) & 0xff;
  }
  writeFileSync(path, bytes);
}
