import type { MocoCredentials } from '../moco/client.js';

/** What a tap names of its person: the badge, and the MOCO user it belonged to when it was taken. */
export interface TapIdentity {
  uid: string;
  userId: number | null;
}

/**
 * The key a tap is delivered with, or null when nothing can deliver it any more (its badge was
 * removed). Asked at delivery, not at the tap: an admin who fixed a key and ran `queue retry` is
 * heard at once. Throws when a stored key cannot be read.
 */
export type CredentialsFor = (tap: TapIdentity) => MocoCredentials | null;

/** What the badge store tells of a badge: its person, and its own key when it has one. */
export interface BadgeKeys {
  find(uid: string): { userId: number | null; apiKey: string | null } | null;
}

/** `moco.identity: user-keys`: the person's own key, kept encrypted with their badge. */
export function userKeyCredentials(badges: BadgeKeys): CredentialsFor {
  return (tap) => {
    const badge = badges.find(tap.uid);
    if (badge === null) return null;
    if (badge.apiKey === null) {
      throw new Error(
        `badge ${tap.uid} has no API key of its own (it was enrolled for moco.identity: impersonation): enrol it again with the person's key`,
      );
    }
    return { apiKey: badge.apiKey };
  };
}

/**
 * `moco.identity: impersonation`: the Staff key, acting for the user the tap was taken for. The tap
 * is that person's whatever became of the badge since (moved to someone else, removed from MOCO's
 * field): they stood at the door. Only a tap journaled without a user (a badge whose key was never
 * verified, under per-user keys) takes the badge's user now.
 */
export function impersonationCredentials(staffKey: string, badges: BadgeKeys): CredentialsFor {
  return (tap) => {
    const userId = tap.userId ?? badges.find(tap.uid)?.userId ?? null;
    return userId === null ? null : { apiKey: staffKey, impersonateUserId: userId };
  };
}
