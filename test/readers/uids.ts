import { createUidNormalizer, type Uid } from '../../src/readers/uid.js';
import { configWith } from '../config/build.js';

const defaults = configWith();
const normalize = createUidNormalizer(defaults.reader, defaults.uid);

/** A UID as the reader edge makes it from `raw` by default: what a tap hands the stores. */
export function readUid(raw: string): Uid {
  const uid = normalize(raw);
  if (uid === null) throw new Error(`${JSON.stringify(raw)} is no UID a reader would report`);
  return uid;
}
