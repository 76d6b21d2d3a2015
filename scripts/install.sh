#!/usr/bin/env bash
# Installs or upgrades moco-timeclock as a systemd service on Raspberry Pi OS or Debian.
# Safe to run again: an upgrade rebuilds the app and keeps config, master key and data.
# The configuration the service will run with is validated before the installation changes.
# See docs/installation.md.
set -euo pipefail

SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/common.sh
. "$SOURCE_DIR/scripts/common.sh"

readonly MIN_NODE_MAJOR=20
# libusb for node-hid's libusb driver; the build tools only in case better-sqlite3, the serial
# bindings or epoll find no prebuilt binary for this Node.js and must compile.
readonly APT_PACKAGES=(libusb-1.0-0 build-essential python3)
readonly SERVICE_GROUPS=(gpio dialout plugdev)
readonly OS_RELEASE_FILE=${OS_RELEASE_FILE:-/etc/os-release}

usage() {
  cat <<EOF
Usage: sudo $0 [options]

Installs moco-timeclock to $APP_DIR with the service user $SERVICE_USER, the command
$WRAPPER, the configuration $CONFIG_FILE (never overwritten), the master key
$MASTER_KEY (created once), a udev rule for the HID reader, the systemd unit $SERVICE,
and the unit $WEB_SERVICE of the admin's web page (not enabled: it is off by default).
Run it again to upgrade.

Options:
  --config FILE   install FILE as $CONFIG_FILE when there is none yet (default: the example)
  --vendor HEX    USB vendor id of the HID reader, as lsusb prints it (default: reader.vendorId)
  --product HEX   USB product id of the HID reader (default: reader.productId)
  --no-start      install and enable the service, but do not (re)start it now
  --dry-run       check (the configuration too), then print every change instead of making it
                  (also DRY_RUN=1)
  -h, --help      show this help
EOF
}

NO_START=0
VENDOR=''
CONFIG_SOURCE=$SOURCE_DIR/config/config.example.yaml
CONFIG_GIVEN=0
PRODUCT=''

usage_error() {
  printf 'error: %s (see --help)\n' "$*" >&2
  exit 2
}

parse_args() {
  while (($# > 0)); do
    case $1 in
      --config | --vendor | --product)
        (($# >= 2)) || usage_error "$1 needs a value"
        set -- "$1=$2" "${@:3}"
        continue
        ;;
      --config=*)
        CONFIG_SOURCE=${1#*=}
        CONFIG_GIVEN=1
        ;;
      --vendor=*) VENDOR=${1#*=} ;;
      --product=*) PRODUCT=${1#*=} ;;
      --no-start) NO_START=1 ;;
      --dry-run) DRY_RUN=1 ;;
      -h | --help)
        usage
        exit 0
        ;;
      *) usage_error "unknown option $1" ;;
    esac
    shift
  done
  [[ -f $CONFIG_SOURCE && -r $CONFIG_SOURCE ]] || usage_error "cannot read the configuration $CONFIG_SOURCE"
  CONFIG_SOURCE=$(readlink -f "$CONFIG_SOURCE")
  if [[ -n $VENDOR || -n $PRODUCT ]]; then
    [[ -n $VENDOR && -n $PRODUCT ]] || usage_error "--vendor and --product go together"
    VENDOR=$(usb_id "$VENDOR") || exit 2
    PRODUCT=$(usb_id "$PRODUCT") || exit 2
  fi
}

# Normalises a USB id to the form sysfs and udev use: four lower-case hex digits.
usb_id() {
  local id=${1#0x}
  id=${id#0X}
  if [[ ! $id =~ ^[0-9A-Fa-f]{1,4}$ ]]; then
    printf 'error: %q is not a USB id (1-4 hex digits, as lsusb prints them)\n' "$1" >&2
    return 1
  fi
  printf '%04x\n' "$((16#$id))"
}

check_os() {
  [[ -r $OS_RELEASE_FILE ]] || die "$OS_RELEASE_FILE not found: this installer is for Raspberry Pi OS or Debian"
  local id like
  # shellcheck source=/dev/null
  id=$(. "$OS_RELEASE_FILE" && printf '%s' "${ID:-}")
  # shellcheck source=/dev/null
  like=$(. "$OS_RELEASE_FILE" && printf '%s' "${ID_LIKE:-}")
  case $id in
    debian | raspbian) ;;
    *)
      [[ " $like " == *' debian '* ]] || die "unsupported system '$id': this installer is for Raspberry Pi OS or Debian"
      warn "'$id' is Debian-based but untested; continuing"
      ;;
  esac
}

check_node() {
  command -v node >/dev/null || die "Node.js >= $MIN_NODE_MAJOR is required (see docs/installation.md, "What you need")"
  command -v npm >/dev/null || die "npm is required alongside Node.js"
  local version
  version=$(node -p process.versions.node)
  ((${version%%.*} >= MIN_NODE_MAJOR)) ||
    die "Node.js $version is too old: moco-timeclock needs >= $MIN_NODE_MAJOR (Debian's nodejs package may be older; see docs/installation.md, "What you need")"
  NODE_BIN=$(command -v node)
  # The unit has ProtectHome=yes and runs as $SERVICE_USER: a Node.js under a home directory
  # (nvm, fnm) is invisible to the service.
  case $(readlink -f "$NODE_BIN") in
    /home/* | /root/* | /run/user/*) die "Node.js at $NODE_BIN is in a home directory, which the service cannot reach: install Node.js system-wide" ;;
  esac
  say "Node.js $version at $NODE_BIN"
}

check_source() {
  local path
  for path in package.json package-lock.json src config/config.example.yaml systemd/moco-timeclock.service systemd/moco-timeclock-web.service scripts/udev/70-moco-timeclock.rules.in scripts/cli-wrapper.sh; do
    [[ -e $SOURCE_DIR/$path ]] || die "$SOURCE_DIR/$path is missing: run me from a complete checkout"
  done
}

# The configuration the service will run with: the installed one (never overwritten), else the
# one this run installs.
config_in_use() {
  if [[ -e $CONFIG_FILE ]]; then
    printf '%s\n' "$CONFIG_FILE"
  else
    printf '%s\n' "$CONFIG_SOURCE"
  fi
}

# The build of this source that validates the configuration: the source tree's own (a checkout
# where npm ci ran), else the staging build of a real run, else (a dry run) a throwaway build in a
# temporary directory, removed again.
VALIDATOR_DIR=''
TRIAL_DIR=''

built_here() {
  [[ -f $1/dist/cli.js && -d $1/node_modules ]]
}

# Runs `moco-timeclock config check` from a build on the configuration in use; stops the
# installer (exit 78, as the daemon would) with every problem when it does not validate.
validate_config() {
  local config dir
  config=$(config_in_use)
  dir=$1
  say "checking the configuration $config"
  local output status=0
  output=$("$NODE_BIN" "$dir/dist/cli.js" config check --config "$config" 2>&1) || status=$?
  if ((status == 0)); then
    return 0
  fi
  printf '%s\n' "$output" >&2
  cleanup_builds
  if ((status == 78)); then
    printf 'error: %s does not validate: nothing was changed; correct it and run me again\n' "$config" >&2
    exit 78
  fi
  die "could not check $config (exit $status); nothing was changed"
}

# Before any change: with a build in the source tree, at once; in a dry run without one, after a
# throwaway build. A real run without one validates right after its staging build instead.
validate_early() {
  if built_here "$SOURCE_DIR"; then
    VALIDATOR_DIR=$SOURCE_DIR
  elif [[ $DRY_RUN == 1 ]]; then
    TRIAL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/moco-timeclock-trial.XXXXXX")
    say "no build in $SOURCE_DIR: building a throwaway copy in $TRIAL_DIR to check the configuration"
    local item
    for item in "${BUILD_ITEMS[@]}"; do
      if [[ -e $SOURCE_DIR/$item ]]; then
        cp -R "$SOURCE_DIR/$item" "$TRIAL_DIR/"
      fi
    done
    (cd "$TRIAL_DIR" && npm ci --include=dev --no-audit --no-fund >&2) ||
      { cleanup_builds; die "the trial build failed (see npm's messages above), so the configuration cannot be checked; a real run installs the build tools first"; }
    VALIDATOR_DIR=$TRIAL_DIR
  else
    return 0
  fi
  validate_config "$VALIDATOR_DIR"
}

# A real run's staging build checks the configuration when nothing else could before.
validate_staged() {
  [[ $DRY_RUN == 1 || -n $VALIDATOR_DIR ]] && return 0
  VALIDATOR_DIR=$APP_DIR.new
  validate_config "$VALIDATOR_DIR"
}

cleanup_builds() {
  if [[ -n $TRIAL_DIR ]]; then
    rm -rf "$TRIAL_DIR"
  fi
  if [[ $DRY_RUN != 1 && $VALIDATOR_DIR == "$APP_DIR.new" ]]; then
    rm -rf "$APP_DIR.new"
  fi
}

check_systemd() {
  [[ -d /run/systemd/system ]] && return 0
  [[ $DRY_RUN == 1 ]] || die "systemd is not running: this installer sets up a systemd service"
  warn "systemd is not running here; a real run would stop at this point"
}

install_packages() {
  local missing=() package
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  if ((${#missing[@]} == 0)); then
    say "packages present: ${APT_PACKAGES[*]}"
    return 0
  fi
  will "install the packages ${missing[*]}"
  say "installing ${missing[*]}"
  run apt-get update -qq
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Builds in a staging directory next to the installed app and swaps it in only when the build
# succeeded, so a failed upgrade (network, compiler) leaves the running version untouched.
# Building here rather than in the checkout compiles the native modules for exactly this
# Node.js and leaves no root-owned node_modules in the user's clone.
build_app() {
  local stage=$APP_DIR.new item version
  version=$("$NODE_BIN" -p "require(process.argv[1]).version" "$SOURCE_DIR/package.json")
  will "build moco-timeclock $version from $SOURCE_DIR in $stage and put it in place of $APP_DIR"
  say "building moco-timeclock in $stage"
  run rm -rf "$stage"
  run install -d -m 0755 "$stage"
  for item in "${BUILD_ITEMS[@]}"; do
    if [[ -e $SOURCE_DIR/$item ]]; then
      run cp -R "$SOURCE_DIR/$item" "$stage/"
    fi
  done
  # --include=dev: the build needs TypeScript even when NODE_ENV=production is set;
  # npm ci runs the package's prepare script, which is the build.
  run_in "$stage" npm ci --include=dev --no-audit --no-fund ||
    die "the build failed (see npm's messages above); the installed version, if any, is untouched"
  if [[ $DRY_RUN != 1 && ! -f $stage/dist/cli.js ]]; then
    die "the build did not produce $stage/dist/cli.js"
  fi
  run_in "$stage" npm prune --omit=dev --no-audit --no-fund ||
    die "npm prune failed; the installed version, if any, is untouched"
  run chown -R root:root "$stage"
  run chmod -R u=rwX,go=rX "$stage"
}

swap_app() {
  say "installing the app to $APP_DIR"
  if [[ -d $APP_DIR ]]; then
    run rm -rf "$APP_DIR.old"
    run mv "$APP_DIR" "$APP_DIR.old"
  fi
  run mv "$APP_DIR.new" "$APP_DIR"
  run rm -rf "$APP_DIR.old"
}

ensure_user() {
  local group
  for group in "${SERVICE_GROUPS[@]}"; do
    getent group "$group" >/dev/null && continue
    case $group in
      plugdev | gpio)
        say "group $group is missing: creating it"
        run groupadd --system "$group"
        ;;
      *) die "group $group is missing, which is unexpected on Debian; create it and run me again" ;;
    esac
  done
  local groups
  groups=$(IFS=, && printf '%s' "${SERVICE_GROUPS[*]}")
  if id -u "$SERVICE_USER" >/dev/null 2>&1; then
    will "keep the user $SERVICE_USER, in the groups $groups"
    say "user $SERVICE_USER exists; making sure it is in $groups"
    run usermod --append --groups "$groups" "$SERVICE_USER"
  else
    will "create the system user $SERVICE_USER (groups $groups) and $STATE_DIR"
    say "creating system user $SERVICE_USER (groups $groups)"
    run useradd --system --user-group --groups "$groups" --home-dir "$STATE_DIR" --no-create-home \
      --shell /usr/sbin/nologin --comment 'moco-timeclock daemon' "$SERVICE_USER"
  fi
  run install -d -m 0700 -o "$SERVICE_USER" -g "$SERVICE_USER" "$STATE_DIR"
}

install_wrapper() {
  will "install the command $WRAPPER"
  say "installing $WRAPPER"
  sed "s#@NODE@#$NODE_BIN#" "$SOURCE_DIR/scripts/cli-wrapper.sh" | write_file "$WRAPPER" 0755 root:root
}

EXAMPLE_INSTALLED=0

install_config() {
  run install -d -m 0755 -o root -g root "$CONFIG_DIR"
  # The daemon reads the configuration as $SERVICE_USER; nobody else needs to.
  if [[ -e $CONFIG_FILE ]]; then
    will "keep the configuration $CONFIG_FILE (checked: valid)"
    say "keeping the existing $CONFIG_FILE"
    if ((CONFIG_GIVEN)); then
      warn "--config $CONFIG_SOURCE is not used: $CONFIG_FILE exists and is never overwritten"
    fi
    run chown "root:$SERVICE_USER" "$CONFIG_FILE"
    run chmod 0640 "$CONFIG_FILE"
  else
    will "install the configuration $CONFIG_FILE from $CONFIG_SOURCE (checked: valid)"
    say "creating $CONFIG_FILE from $CONFIG_SOURCE"
    run install -m 0640 -o root -g "$SERVICE_USER" "$CONFIG_SOURCE" "$CONFIG_FILE"
    if ((!CONFIG_GIVEN)); then
      EXAMPLE_INSTALLED=1
    fi
  fi

  if [[ -e $MASTER_KEY ]]; then
    will "keep the master key $MASTER_KEY"
    say "keeping the existing master key $MASTER_KEY"
  else
    will "create the master key $MASTER_KEY"
    say "creating the master key $MASTER_KEY"
    if [[ $DRY_RUN == 1 ]]; then
      printf '+ head -c 32 /dev/urandom > %q (0600 root:root)\n' "$MASTER_KEY"
    else
      (umask 077 && head -c 32 /dev/urandom >"$MASTER_KEY.new")
      [[ $(stat -c %s "$MASTER_KEY.new") == 32 ]] || die "could not read 32 random bytes"
      mv "$MASTER_KEY.new" "$MASTER_KEY"
    fi
  fi
  # Only PID 1 reads it (LoadCredential=) and root (the wrapper, for CLI commands).
  run chown root:root "$MASTER_KEY"
  run chmod 0600 "$MASTER_KEY"
}

# The master key and the database are made together: with a key and no database, every command
# and the daemon refuse to go on (the database was lost, or dataDir points elsewhere), so a new
# installation gets its empty database now. An existing one is left exactly as it is.
init_database() {
  will "set up the database in dataDir (an existing one is kept as it is)"
  say "setting up the database (an existing one is kept as it is)"
  run "$WRAPPER" init --config "$CONFIG_FILE" ||
    warn "could not set up the database (see above); once fixed, run: sudo moco-timeclock init"
}

# Prints "VENDOR PRODUCT" from the configuration's reader section, or nothing when unset.
# The configuration validated before anything changed, so the ids are strings or not set.
configured_reader_ids() {
  # In a real run the configuration is installed by now; a dry run reads what it would install.
  local config modules=$APP_DIR/node_modules
  config=$(config_in_use)
  [[ -d $modules/yaml ]] || modules=$VALIDATOR_DIR/node_modules
  # shellcheck disable=SC2016 # JavaScript, not shell
  "$NODE_BIN" -e '
    const { parse } = require(process.argv[1]);
    const reader = (parse(require("node:fs").readFileSync(process.argv[2], "utf8")) ?? {}).reader ?? {};
    if (typeof reader.vendorId === "string" && typeof reader.productId === "string") {
      console.log(`${reader.vendorId} ${reader.productId}`);
    }
  ' "$modules/yaml" "$config"
}

install_udev_rule() {
  local vendor=$VENDOR product=$PRODUCT origin='--vendor/--product'
  if [[ -z $vendor ]]; then
    local ids
    ids=$(configured_reader_ids) || die "could not read the reader ids from $(config_in_use)"
    if [[ -z $ids ]]; then
      if [[ -e $UDEV_RULE ]]; then
        will "keep the udev rule $UDEV_RULE"
        say "no reader.vendorId/productId configured: keeping the existing $UDEV_RULE"
      else
        will "install no udev rule (no HID reader ids configured)"
        say "no reader.vendorId/productId configured: no udev rule (only a HID reader needs one)"
      fi
      return 0
    fi
    vendor=$(usb_id "${ids% *}") || die "fix reader.vendorId in the configuration"
    product=$(usb_id "${ids#* }") || die "fix reader.productId in the configuration"
    origin=reader.vendorId/productId
  fi
  will "install the udev rule for the HID reader $vendor:$product"
  say "udev rule for the HID reader $vendor:$product (from $origin): group plugdev, mode 0660"
  run install -d -m 0755 "${UDEV_RULE%/*}"
  sed -e "s/@VENDOR@/$vendor/g" -e "s/@PRODUCT@/$product/g" "$SOURCE_DIR/scripts/udev/70-moco-timeclock.rules.in" |
    write_file "$UDEV_RULE" 0644 root:root
  run udevadm control --reload
  run udevadm trigger --action=change --subsystem-match=hidraw --subsystem-match=usb
}

START_FAILED=0

install_unit() {
  say "installing the systemd units $UNIT_FILE and $WEB_UNIT_FILE"
  run install -m 0644 -o root -g root "$SOURCE_DIR/systemd/moco-timeclock.service" "$UNIT_FILE"
  run install -m 0644 -o root -g root "$SOURCE_DIR/systemd/moco-timeclock-web.service" "$WEB_UNIT_FILE"
  run systemctl daemon-reload
  run systemctl enable "$SERVICE"
  will "install and enable $SERVICE, and install $WEB_SERVICE"
  if ((NO_START)); then
    will "not start $SERVICE (--no-start)"
    say "--no-start: not starting $SERVICE"
  elif ((EXAMPLE_INSTALLED)); then
    will "not start $SERVICE before $CONFIG_FILE is edited (it is the example)"
    # The example talks to MOCO tenant "acme" and reads badges from stdin: starting it would
    # only fail. Running this installer again after editing the configuration starts it.
    say "not starting $SERVICE before $CONFIG_FILE is edited"
  else
    # restart, not start: on an upgrade the running daemon must pick up the new build. Never
    # into a configuration the installed build refuses: the daemon would exit 78 and stay down.
    will "check $CONFIG_FILE with the installed build once more, then restart $SERVICE"
    say "starting $SERVICE"
    if ! run "$WRAPPER" config check --config "$CONFIG_FILE"; then
      die "$CONFIG_FILE does not validate with the installed build: $SERVICE was not restarted"
    fi
    run systemctl restart "$SERVICE" || START_FAILED=1
  fi
  install_web_unit
}

# The web page is the admin's choice: enabled by hand, and only then restarted on an upgrade.
install_web_unit() {
  if ! systemctl is-enabled --quiet "$WEB_SERVICE" 2>/dev/null; then
    will "leave $WEB_SERVICE off (web page: set web.enabled: true, sudo moco-timeclock web passwd, sudo systemctl enable --now $WEB_SERVICE)"
    say "$WEB_SERVICE is not enabled (the web page is off; see the next steps)"
  elif ((NO_START || EXAMPLE_INSTALLED)); then
    say "not restarting $WEB_SERVICE"
  else
    say "restarting $WEB_SERVICE"
    run systemctl restart "$WEB_SERVICE" || START_FAILED=1
  fi
}

# What a real run would have done, after a dry run: the steps said above, in short.
PLANNED=()
will() { PLANNED+=("$*"); }

dry_run_summary() {
  printf '\ndry run: nothing was changed. A real run would:\n'
  printf '  - %s\n' "${PLANNED[@]}"
  printf 'and then print the next steps (edit the configuration, doctor, enrol badges).\n'
}

next_steps() {
  cat <<EOF

moco-timeclock is installed. Next steps:
  1. Edit the configuration:      sudoedit $CONFIG_FILE
     (a HID reader? set reader.vendorId/productId and run this installer again for its udev rule)
  2. Check it:                    sudo moco-timeclock doctor
  3. Start or restart it:         sudo systemctl restart $SERVICE
  4. Enrol badges:                sudo moco-timeclock badge add <uid> --name <name> --key -
     (paste the MOCO API key), or tap an unknown badge, then:
                                  sudo moco-timeclock badge add --last-unknown --name <name> --key -
  5. Watch it:                    journalctl -u $SERVICE -o cat -f
  6. The web page (optional):     set web.enabled: true, then
                                  sudo moco-timeclock web passwd
                                  sudo systemctl enable --now $WEB_SERVICE
     (it listens on web.listen, 127.0.0.1:8080 by default: see docs/web.md for the office network)
EOF
}

main() {
  parse_args "$@"
  if ((DRY_RUN)); then
    say "dry run: nothing will be changed"
  fi
  require_root "$@"
  check_os
  check_source
  check_node
  check_systemd
  validate_early
  install_packages
  build_app
  validate_staged
  ensure_user
  swap_app
  install_wrapper
  install_config
  init_database
  install_udev_rule
  install_unit
  cleanup_builds
  if ((DRY_RUN)); then
    dry_run_summary
    return 0
  fi
  next_steps
  if ((START_FAILED)); then
    die "$SERVICE or $WEB_SERVICE did not start; see: journalctl -u $SERVICE -u $WEB_SERVICE -o cat -n 50"
  fi
}

main "$@"
