import type { ReaderState } from '../../src/readers/reader.js';

export const WARN = 40;
export const DEBUG = 20;

/** What a reader reported, in order. */
export function recorder() {
  const uids: string[] = [];
  const states: ReaderState[] = [];
  return {
    uids,
    states,
    onUid: (uid: string) => uids.push(uid),
    onState: (state: ReaderState) => states.push(state),
  };
}
