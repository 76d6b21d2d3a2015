#!/usr/bin/env bash
# Makes the release tarball moco-timeclock-<version>.tar.gz: what the installer needs to build on
# a Raspberry Pi without git (the source, the lock file, the units and scripts) and the
# documentation. Copy it to the Pi, unpack it there and run the installer from it; see
# docs/installation.md. Run from a checkout: npm run release [-- --output DIR].
set -euo pipefail

SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/common.sh
. "$SOURCE_DIR/scripts/common.sh"

OUT_DIR=$PWD
while (($# > 0)); do
  case $1 in
    --output)
      (($# >= 2)) || die "--output needs a directory"
      OUT_DIR=$2
      shift
      ;;
    -h | --help)
      printf 'Usage: %s [--output DIR]\n\nWrites moco-timeclock-<version>.tar.gz to DIR (default: here).\n' "$0"
      exit 0
      ;;
    *)
      printf 'error: unknown option %s (see --help)\n' "$1" >&2
      exit 2
      ;;
  esac
  shift
done
[[ -d $OUT_DIR && -w $OUT_DIR ]] || die "cannot write to $OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)

version=$(node -p 'require(process.argv[1]).version' "$SOURCE_DIR/package.json")
name=moco-timeclock-$version
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/$name"
for item in "${BUILD_ITEMS[@]}" README.md docs; do
  cp -R "$SOURCE_DIR/$item" "$work/$name/"
done
# Root-owned and without this machine's user names: the same tarball wherever it was made.
tar -C "$work" --owner=0 --group=0 --numeric-owner --sort=name -czf "$OUT_DIR/$name.tar.gz" "$name"
say "wrote $OUT_DIR/$name.tar.gz"
(cd "$OUT_DIR" && sha256sum "$name.tar.gz")
