/**
 * The running daemon writes its status with a heartbeat; `status` and `doctor` read it. One owner,
 * so that the interval and the staleness that readers infer from it cannot drift apart.
 */
export const HEARTBEAT_MS = 5_000;

/** Four missed heartbeats: the daemon is gone (or hung, which the systemd watchdog handles). */
export const HEARTBEAT_STALE_MS = 4 * HEARTBEAT_MS;

export function isHeartbeatFresh(status: { heartbeatAt: number }, now: number): boolean {
  return now - status.heartbeatAt < HEARTBEAT_STALE_MS;
}
