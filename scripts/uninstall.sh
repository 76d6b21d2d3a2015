#!/usr/bin/env bash
# Removes what scripts/install.sh installed. Keeps the data and the configuration (with the
# master key, without which the stored API keys cannot be read) unless --purge.
set -euo pipefail

SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/common.sh
. "$SOURCE_DIR/scripts/common.sh"

usage() {
  cat <<EOF
Usage: sudo $0 [--purge] [--dry-run]

Stops and removes the $SERVICE and $WEB_SERVICE services, the udev rule, $APP_DIR and $WRAPPER.
  --purge     also delete the data $STATE_DIR, the configuration and master key in
              $CONFIG_DIR, and the user $SERVICE_USER
  --dry-run   print every change instead of making it (also DRY_RUN=1)
  -h, --help  show this help
EOF
}

PURGE=0

parse_args() {
  while (($# > 0)); do
    case $1 in
      --purge) PURGE=1 ;;
      --dry-run) DRY_RUN=1 ;;
      -h | --help)
        usage
        exit 0
        ;;
      *)
        usage >&2
        exit 2
        ;;
    esac
    shift
  done
}

remove_service() {
  local service unit
  # The page first: it reads the daemon's database.
  for unit in "$WEB_UNIT_FILE" "$UNIT_FILE"; do
    service=$(basename "$unit" .service)
    if [[ -e $unit ]]; then
      say "stopping and disabling $service"
      run systemctl disable --now "$service" || warn "could not stop $service; removing it anyway"
    fi
    say "removing $unit"
    run rm -f "$unit"
  done
  if [[ -d /run/systemd/system ]]; then
    run systemctl daemon-reload
    run systemctl reset-failed "$SERVICE" "$WEB_SERVICE" 2>/dev/null || true
  fi
}

remove_udev_rule() {
  say "removing $UDEV_RULE"
  run rm -f "$UDEV_RULE"
  if command -v udevadm >/dev/null; then
    run udevadm control --reload
  fi
}

remove_app() {
  say "removing $APP_DIR and $WRAPPER"
  run rm -rf "$APP_DIR" "$APP_DIR.new" "$APP_DIR.old"
  run rm -f "$WRAPPER"
}

purge() {
  say "purging the data $STATE_DIR and the configuration $CONFIG_DIR"
  run rm -rf "$STATE_DIR" "$CONFIG_DIR"
  if id -u "$SERVICE_USER" >/dev/null 2>&1; then
    say "removing the user $SERVICE_USER"
    run userdel "$SERVICE_USER"
  fi
  # The groups gpio and plugdev stay: other software on the Pi may use them.
}

main() {
  parse_args "$@"
  if ((DRY_RUN)); then
    say "dry run: nothing will be changed"
  fi
  require_root "$@"
  remove_service
  remove_udev_rule
  remove_app
  if ((PURGE)); then
    purge
    say "moco-timeclock is removed completely"
  else
    say "moco-timeclock is removed; kept the data $STATE_DIR, the configuration and master key in $CONFIG_DIR and the user $SERVICE_USER (--purge deletes them)"
  fi
}

main "$@"
