# shellcheck shell=bash disable=SC2034 # the constants are used by the scripts that source this file
# Shared by install.sh and uninstall.sh (sourced, not run). Every change to the system goes
# through `run`, so that --dry-run shows exactly what a real run would do and touches nothing.

readonly SERVICE=moco-timeclock
readonly SERVICE_USER=moco-timeclock
readonly APP_DIR=/opt/moco-timeclock
readonly STATE_DIR=/var/lib/moco-timeclock
readonly CONFIG_DIR=/etc/moco-timeclock
readonly CONFIG_FILE=$CONFIG_DIR/config.yaml
readonly MASTER_KEY=$CONFIG_DIR/master.key
readonly WRAPPER=/usr/local/bin/moco-timeclock
readonly UNIT_FILE=/etc/systemd/system/moco-timeclock.service
# The admin's web page: installed with the daemon, enabled only by the admin (it is off by default).
readonly WEB_SERVICE=moco-timeclock-web
readonly WEB_UNIT_FILE=/etc/systemd/system/moco-timeclock-web.service
readonly UDEV_RULE=/etc/udev/rules.d/70-moco-timeclock.rules
# What a build needs of the source: the installer copies it to the staging directory, a release
# tarball (scripts/release.sh) carries it, with the documentation.
readonly BUILD_ITEMS=(package.json package-lock.json tsconfig.json tsconfig.build.json src config systemd scripts)

DRY_RUN=${DRY_RUN:-0}

say() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Runs a command, or only prints it (shell-quoted) when DRY_RUN=1.
run() {
  if [[ $DRY_RUN == 1 ]]; then
    printf '+'
    printf ' %q' "$@"
    printf '\n'
    return 0
  fi
  "$@"
}

# Like run, inside a directory.
run_in() {
  local dir=$1
  shift
  if [[ $DRY_RUN == 1 ]]; then
    printf '+ (cd %q &&' "$dir"
    printf ' %q' "$@"
    printf ')\n'
    return 0
  fi
  (cd "$dir" && "$@")
}

# Writes standard input to a file with the given mode and owner; in a dry run, shows the text.
write_file() {
  local dest=$1 mode=$2 owner=$3
  if [[ $DRY_RUN == 1 ]]; then
    printf '+ write %s (%s %s):\n' "$dest" "$mode" "$owner"
    sed 's/^/    | /'
    return 0
  fi
  local tmp
  tmp=$(mktemp "$dest.XXXXXX")
  cat >"$tmp"
  chown "$owner" "$tmp"
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$dest"
}

require_root() {
  if [[ $DRY_RUN == 1 ]]; then
    return 0
  fi
  [[ $(id -u) == 0 ]] || die "run me as root: sudo $0 $*"
}
