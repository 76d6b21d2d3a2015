#!/usr/bin/env bash
# CI step for the Raspberry Pi packaging: shellcheck on the scripts, systemd-analyze verify on
# the units (the daemon's and the web page's), the udev rule template never world-writable, and
# the units' security exposure (reported, not enforced). Run from anywhere; exits non-zero on the first failed check.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
UNIT=$ROOT/systemd/moco-timeclock.service
WEB_UNIT=$ROOT/systemd/moco-timeclock-web.service
UDEV_TEMPLATE=$ROOT/scripts/udev/70-moco-timeclock.rules.in

WORK_DIR=$(mktemp -d)
trap 'rm -rf "$WORK_DIR"' EXIT

section() { printf '\n== %s\n' "$*"; }
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

ensure_shellcheck() {
  if command -v shellcheck >/dev/null; then
    return 0
  fi
  [[ $(id -u) == 0 ]] || fail "shellcheck is missing; install it (apt-get install shellcheck)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
}

check_scripts() {
  section "shellcheck scripts/*.sh"
  ensure_shellcheck
  (cd "$ROOT" && shellcheck --external-sources scripts/*.sh)
  echo "ok"
}

# check_unit UNIT_FILE SUBCOMMAND: the unit verifies cleanly and starts the installed wrapper
# with SUBCOMMAND.
check_unit() {
  local unit=$1 subcommand=$2 name
  name=$(basename "$unit")
  section "systemd-analyze verify systemd/$name"
  local dir=$WORK_DIR
  # verify refuses an ExecStart= binary that does not exist, and /usr/local/bin/moco-timeclock
  # exists only after install.sh. Verify a copy whose ExecStart= runs /bin/true with the same
  # arguments; the copy keeps the unit's name, which verify needs to tell its type.
  sed 's#^ExecStart=/usr/local/bin/moco-timeclock #ExecStart=/bin/true #' "$unit" >"$dir/$name"
  grep -q "^ExecStart=/bin/true $subcommand --config " "$dir/$name" ||
    fail "$name: ExecStart= no longer starts /usr/local/bin/moco-timeclock $subcommand: update this check and install.sh together"
  # verify exits 0 on unknown keys and unparsable values (it logs "ignoring" and goes on), so any
  # output at all fails the check. It does not resolve User= (that happens when the service
  # starts), so the missing user moco-timeclock is no problem here.
  local output
  output=$(systemd-analyze verify "$dir/$name" 2>&1) || fail "systemd-analyze verify: $output"
  [[ -z $output ]] || fail "systemd-analyze verify warned: $output"
  echo "ok"
}

check_udev_template() {
  section "udev rule template"
  grep -q 'MODE="0660"' "$UDEV_TEMPLATE" || fail "the udev rules must give mode 0660"
  # Any MODE whose last digit is not 0 would let every local user at the reader.
  if grep -Eq 'MODE="?[0-7]*[1-7]"' "$UDEV_TEMPLATE"; then
    fail "$UDEV_TEMPLATE grants access to others"
  fi
  grep -q 'GROUP="plugdev"' "$UDEV_TEMPLATE" || fail "the udev rules must hand the reader to group plugdev"
  echo "ok"
}

report_exposure() {
  local unit report
  for unit in "$UNIT" "$WEB_UNIT"; do
    section "systemd-analyze security $(basename "$unit") (report only)"
    if report=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1); then
      grep -E '^(✗|→)' <<<"$report" || printf '%s\n' "$report"
    else
      printf 'could not analyse: %s\n' "$report"
    fi
  done
}

check_scripts
check_unit "$UNIT" run
check_unit "$WEB_UNIT" web
check_udev_template
report_exposure
