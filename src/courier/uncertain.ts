import type { Intent } from './plan.js';

/**
 * "Could a request of this tap be out there?": one sent (or journaled as about to be sent) that got
 * no definite answer may still land at MOCO, so nothing more is sent for the tap before MOCO's day
 * was read for it. The journal keeps the fact across restarts (`uncertain`, with `intent` and
 * `sent_at`); the courier alone decides it, and knows which of its own taps have not gone out yet.
 */
export interface UncertainRequest {
  /** What the request does in MOCO. */
  intent: Intent;
  /** When it went out (ms epoch). */
  at: number;
}
