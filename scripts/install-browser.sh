#!/usr/bin/env bash
# Provides a headless Chromium for the console browser tests (playwright-core drives it; Playwright's own browser
# download is never used). Idempotent and quick when a browser is already there. The last line printed is the
# executable's path.
#
#   scripts/install-browser.sh            # system package via apt-get when root, else a project-local copy
#   LUMOS_BROWSER_INSTALL=local scripts/install-browser.sh
#                                         # always the project-local copy (apt-get download + dpkg-deb -x)
#
# The project-local copy lives in node_modules/.cache/lumos-chromium (ignored by git, rebuilt after `npm ci`);
# test/e2e/console-browser.ts looks there and in the system locations, in the same order as find_browser below.
set -euo pipefail
cd "$(dirname "$0")/.."

LOCAL_DIR="${LUMOS_BROWSER_DIR:-$PWD/node_modules/.cache/lumos-chromium}"
MODE="${LUMOS_BROWSER_INSTALL:-auto}"

candidates() {
  [ -n "${LUMOS_CHROMIUM:-}" ] && echo "$LUMOS_CHROMIUM"
  for root in "" "$LOCAL_DIR"; do
    echo "$root/usr/lib/chromium/chromium-headless-shell"
    echo "$root/usr/bin/chromium-headless-shell"
    echo "$root/usr/lib/chromium/chromium"
    echo "$root/usr/bin/chromium"
  done
}

# Library folders of the project-local copy, for binaries that need libraries the system lacks.
local_library_path() {
  find "$LOCAL_DIR" -type f -name '*.so*' -printf '%h\n' 2>/dev/null | sort -u | paste -sd: -
}

find_browser() {
  local candidate
  while read -r candidate; do
    [ -x "$candidate" ] || continue
    if LD_LIBRARY_PATH="$(local_library_path)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
      "$candidate" --headless --no-sandbox --version >/dev/null 2>&1; then
      echo "$candidate"
      return 0
    fi
  done < <(candidates)
  return 1
}

if found="$(find_browser)"; then
  echo "chromium already available"
  echo "$found"
  exit 0
fi

can_install_system() {
  [ "$MODE" != local ] && command -v apt-get >/dev/null && { [ "$(id -u)" = 0 ] || command -v sudo >/dev/null; }
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

if can_install_system; then
  echo "installing chromium-headless-shell with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends chromium-headless-shell ||
    as_root apt-get install -y -qq --no-install-recommends chromium
else
  # No root: fetch the packages and whatever libraries the system lacks, and unpack them into a private folder.
  echo "unpacking chromium-headless-shell into $LOCAL_DIR"
  command -v apt-get >/dev/null || { echo "apt-get is not available: install Chromium and set LUMOS_CHROMIUM" >&2; exit 1; }
  mkdir -p "$LOCAL_DIR/debs"
  missing=()
  while read -r pkg; do
    [ -n "$pkg" ] || continue
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
  done < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
    --no-enhances --no-pre-depends chromium-headless-shell | grep -v '^ ' | grep -v '^<' | sort -u)
  (cd "$LOCAL_DIR/debs" && apt-get download -qq "${missing[@]}")
  for deb in "$LOCAL_DIR"/debs/*.deb; do dpkg-deb -x "$deb" "$LOCAL_DIR"; done
  rm -rf "$LOCAL_DIR/debs"
fi

if found="$(find_browser)"; then
  echo "$found"
else
  echo "chromium was installed but does not start; see the output above" >&2
  exit 1
fi
