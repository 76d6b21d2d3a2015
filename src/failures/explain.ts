import { MAX_CLOCK_OFFSET_MS } from '../courier/time-trust.js';
import type { MocoErrorCode } from '../moco/errors.js';

/**
 * What a failure means and what to do about it, in the words of an office admin rather than of
 * HTTP. The one wording of these facts: `doctor`, the web page, `badge add`, `status` and
 * `queue list` all take it from here.
 */
export interface Explanation {
  meaning: string;
  action: string;
}

/** A tap's stored failure reason, explained; `detail` is the stored text itself, for the curious. */
export interface TapFailure extends Explanation {
  kind: TapFailureKind;
  status: number | null;
  detail: string;
}

export type TapFailureKind =
  | MocoErrorCode
  | 'badge_removed'
  | 'key_unreadable'
  | 'clock_unsynchronised'
  | 'local'
  | 'server_refused'
  | 'unknown';

export interface ExplainContext {
  /** The MOCO API the kiosk talks to, as `mocoBaseUrl` gives it. */
  baseUrl: string;
}

/**
 * Failures that concern MOCO as a whole rather than one key or one tap: nothing in a badge or a
 * tap can fix them. Null for the codes that are about one key or one request.
 */
export function explainMocoTrouble(code: MocoErrorCode, { baseUrl }: ExplainContext): Explanation | null {
  switch (code) {
    case 'unreachable':
    case 'uncertain':
      return {
        meaning: `cannot reach ${baseUrl}`,
        action: 'check the network and DNS, and moco.domain or moco.baseUrl',
      };
    case 'not_found':
    case 'protocol':
      return {
        meaning: `${baseUrl} does not answer like the MOCO API`,
        action: 'check moco.domain (the subdomain of mocoapp.com) or moco.baseUrl',
      };
    case 'rate_limited':
      return {
        meaning: "MOCO's rate limit is reached",
        action: 'wait a few minutes: MOCO counts requests over two minutes',
      };
    case 'server':
      return { meaning: 'MOCO has a problem', action: 'try again later; taps are queued meanwhile' };
    default:
      return null;
  }
}

/** What MOCO's refusal of one badge's key (`whose`) means: said the same way wherever a key is checked. */
export function keyRejected(whose: string): Explanation {
  return {
    meaning: `MOCO rejects the key of ${whose} (401: revoked or mistyped)`,
    action: "enrol the badge again with the person's own new key",
  };
}

/**
 * Why MOCO would not say whose a key is when a badge is enrolled (`badge add`, the web page's
 * enrolment), for the codes that are about the key: MOCO as a whole is `explainMocoTrouble`'s.
 */
export function explainKeyRefusal(code: MocoErrorCode, { baseUrl }: ExplainContext): Explanation {
  switch (code) {
    case 'unauthorized':
      return {
        meaning: `MOCO refused the key (401) at ${baseUrl}`,
        action:
          "copy the person's own API key from MOCO (profile > Integrations), and check moco.domain: " +
          "another MOCO account's key is refused too",
      };
    case 'forbidden':
      return {
        meaning: 'MOCO accepted the key but refused access to the profile (403)',
        action: "check in MOCO that the person's account is active",
      };
    default:
      return { meaning: `MOCO refused to say whose the key is (${code})`, action: 'see the detail' };
  }
}

/**
 * The reason the courier stored with a tap (`<status> <code>: <message>` for MOCO's answers, a
 * sentence for a local failure), explained. Branches on the code at the start of the text; an
 * unrecognised reason is shown as it is.
 */
export function explainTapFailure(reason: string | null, context: ExplainContext): TapFailure {
  const detail = reason ?? 'no reason was recorded';
  const parsed = parseReason(detail);
  const explained = explainKind(parsed.kind, context);
  return { kind: parsed.kind, status: parsed.status, detail, ...explained };
}

const MOCO_CODES: readonly MocoErrorCode[] = [
  'unreachable',
  'uncertain',
  'unauthorized',
  'forbidden',
  'not_found',
  'invalid',
  'locked',
  'rate_limited',
  'server',
  'protocol',
];

const MOCO_REASON = /^(?:(\d{3}) )?([a-z_]+): /;

/** Local failures have no code of their own in the journal: these are the sentences the courier writes. */
const LOCAL_REASONS: readonly [string, TapFailureKind][] = [
  ['badge was removed before delivery', 'badge_removed'],
  ["cannot read the badge's key", 'key_unreadable'],
  ['waiting for the system clock', 'clock_unsynchronised'],
  ['local error', 'local'],
  ['refused with server errors', 'server_refused'],
];

function parseReason(text: string): { kind: TapFailureKind; status: number | null } {
  const match = MOCO_REASON.exec(text);
  const code = match?.[2] as MocoErrorCode | undefined;
  if (match !== null && code !== undefined && MOCO_CODES.includes(code)) {
    return { kind: code, status: match[1] === undefined ? null : Number(match[1]) };
  }
  const local = LOCAL_REASONS.find(([start]) => text.startsWith(start));
  return { kind: local?.[1] ?? 'unknown', status: null };
}

/** The badge's key cannot be read: whatever needs it (a tap, the Today page) cannot go on. */
export const KEY_UNREADABLE: Explanation = {
  meaning: "the badge's key cannot be decrypted with this kiosk's master key",
  action: 'restore the original master key, or enrol the badge again with its key',
};

const CHECK_THE_DAY =
  "look at the person's presences that day (the Today page or MOCO) and correct them, then retry the " +
  'tap; drop it if that time is already booked';

function explainKind(kind: TapFailureKind, context: ExplainContext): Explanation {
  switch (kind) {
    case 'unauthorized': {
      const rejected = keyRejected('this badge');
      return { meaning: rejected.meaning, action: `${rejected.action}, then retry the tap` };
    }
    case 'forbidden':
      return {
        meaning: 'MOCO knows the key but refuses the booking (403): the account may be deactivated',
        action: "check the person's account in MOCO, then retry the tap",
      };
    case 'invalid':
      return {
        meaning:
          'MOCO refused the booking as invalid, usually because it overlaps a presence already entered',
        action: CHECK_THE_DAY,
      };
    case 'locked':
      return {
        meaning: 'MOCO refused the clock-in or clock-out: it conflicts with a presence entered for that time',
        action: CHECK_THE_DAY,
      };
    case 'not_found': {
      const trouble = explainMocoTrouble(kind, context) as Explanation;
      return {
        meaning: `${trouble.meaning}, or the presence was deleted in MOCO meanwhile (404)`,
        action: `${trouble.action}; if those are right, retry the tap`,
      };
    }
    case 'unreachable':
    case 'uncertain':
    case 'protocol':
      return waiting(explainMocoTrouble(kind, context) as Explanation);
    case 'server':
      return {
        meaning: (explainMocoTrouble(kind, context) as Explanation).meaning,
        action: 'nothing: the kiosk retries the tap by itself',
      };
    case 'server_refused':
      return {
        meaning:
          "MOCO answered this tap's request with a server error again and again while it answered others: " +
          'it will not take the request as it is',
        action: CHECK_THE_DAY,
      };
    case 'rate_limited':
      return {
        meaning: "MOCO's rate limit was reached",
        action: 'nothing: the kiosk waits and sends the tap again by itself',
      };
    case 'badge_removed':
      return {
        meaning: 'the badge was removed before its tap reached MOCO',
        action: 'enrol the badge again, then retry the tap; or drop it',
      };
    case 'key_unreadable':
      return { meaning: KEY_UNREADABLE.meaning, action: `${KEY_UNREADABLE.action}, then retry the tap` };
    case 'clock_unsynchronised':
      return {
        meaning: "the kiosk's clock is not synchronised, so the tap's time cannot be trusted yet",
        action: 'nothing, unless it lasts: check the network (NTP) with sudo moco-timeclock doctor',
      };
    case 'local':
      return {
        meaning: 'the kiosk itself failed while sending the tap',
        action: 'see the log (journalctl -u moco-timeclock) and report it; then retry the tap',
      };
    case 'unknown':
      return { meaning: 'the tap failed for a reason this version does not know', action: 'see the detail' };
  }
}

/** Trouble with MOCO on a pending tap: the tap is not lost, it is retried by itself. */
function waiting(trouble: Explanation): Explanation {
  return {
    meaning: trouble.meaning,
    action: `nothing at first: the kiosk retries the tap by itself; if this lasts, ${trouble.action}`,
  };
}

/** A presence this kiosk opened on an earlier date and never saw closed. */
export const FORGOTTEN_CLOCK_OUT: Explanation = {
  meaning: 'left open since an earlier date (a forgotten clock-out?)',
  action:
    "look at the person's presence in MOCO (or on the web page's Today page) and close it at the time they left",
};

/** How the kiosk's clock stands against MOCO's: fine within a minute, else the way to fix it. */
export interface ClockVerdict {
  fine: boolean;
  meaning: string;
  /** Null when fine. */
  action: string | null;
}

/**
 * The kiosk's clock against MOCO's, from `offsetMs` (MOCO's clock minus the kiosk's, as the daemon
 * and doctor read it from the `Date` of MOCO's answers). Off by more than a minute, the daemon books
 * taps by MOCO's clock (time-trust.ts), but the kiosk's own clock should be fixed.
 */
export function explainClockOffset(offsetMs: number): ClockVerdict {
  if (Math.abs(offsetMs) <= MAX_CLOCK_OFFSET_MS) {
    return { fine: true, meaning: "kiosk clock agrees with MOCO's (within a minute)", action: null };
  }
  return {
    fine: false,
    meaning: `kiosk clock ${formatSpan(Math.abs(offsetMs))} ${offsetMs > 0 ? 'behind' : 'ahead of'} MOCO's`,
    action: 'enable time sync (timedatectl set-ntp true)',
  };
}

/** `3 h 2 min`, `45 min`, `2 days 3 h`: a clock's error as a person says it. */
export function formatSpan(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days > 0)
    return [`${days} day${days === 1 ? '' : 's'}`, hours > 0 ? `${hours} h` : ''].join(' ').trim();
  if (hours > 0) return [`${hours} h`, rest > 0 ? `${rest} min` : ''].join(' ').trim();
  return `${rest} min`;
}
