import { existsSync, readFileSync } from 'node:fs';

/** The package's version, from the nearest package.json above this file (dist/ or a bench build). */
function readVersion(): string {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    const file = new URL('package.json', dir);
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

export const VERSION: string = readVersion();
