#!/usr/bin/env bash
# Builds the pinned LiveKit Go tools from the Go module proxy into the tool cache, unless a binary of
# the pinned version is already on PATH or in the cache.
source "$(dirname "$0")/lib.sh"

LIVEKIT_SERVER_VERSION=1.13.5
# The newest livekit/sip tag this machine's Go module proxy serves (v1.9+ are refused here).
LIVEKIT_SIP_VERSION=1.8.0

# have_version BIN VERSION: true when BIN on PATH prints VERSION in its --version output.
have_version() { command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -q "$2"; }

go_install() { # go_install MODULE@VERSION BINARY_NAME_BUILT INSTALL_AS [CGO]
  local mod=$1 built=$2 as=$3 cgo=${4:-0} tmp
  command -v go >/dev/null || die "Go is needed to build $as (https://go.dev/dl/)."
  tmp=$(mktemp -d)
  say "building $as from $mod (one-time, a few minutes)"
  CGO_ENABLED=$cgo GOBIN="$tmp" GOFLAGS=-mod=mod go install "$mod" || die "go install $mod failed"
  mkdir -p "$TOOLS_DIR"
  mv "$tmp/$built" "$TOOLS_DIR/$as"
  rm -rf "$tmp"
}

# go_build_dep MODULE VERSION PACKAGE INSTALL_AS CGO [PATCH]: builds PACKAGE as a dependency of a
# throw-away module. Used where `go install pkg@version` cannot run: it looks up the module's
# deprecation in the version list, which some proxies refuse even when they serve the version
# itself. With PATCH (a diff against the module's root), the module is built from a patched copy.
go_build_dep() {
  local mod=$1 ver=$2 pkg=$3 as=$4 cgo=$5 patch=${6:-} tmp
  command -v go >/dev/null || die "Go is needed to build $as (https://go.dev/dl/)."
  tmp=$(mktemp -d)
  say "building $as $ver from $mod (one-time, several minutes)"
  (
    cd "$tmp" && go mod init parley-tool-build >/dev/null 2>&1 &&
      GOFLAGS=-mod=mod go get "$pkg@v$ver" &&
      if [ -n "$patch" ]; then
        cp -r "$(go list -m -f '{{.Dir}}' "$mod")" patched && chmod -R u+w patched &&
          git apply --directory=patched "$patch" &&
          go mod edit -replace "$mod=./patched"
      fi &&
      CGO_ENABLED=$cgo GOFLAGS=-mod=mod go build -o "$TOOLS_DIR/$as" "$pkg"
  ) || die "building $as failed"
  echo "$(tool_stamp "$ver" "$patch")" >"$TOOLS_DIR/$as.version"
  rm -rf "$tmp"
}

# tool_stamp VERSION [PATCH]: what the cache records beside a binary, so a changed patch rebuilds it.
tool_stamp() {
  if [ -n "${2:-}" ]; then echo "$1+$(sha256sum "$2" | cut -c1-12)"; else echo "$1"; fi
}

if ! have_version livekit-server "$LIVEKIT_SERVER_VERSION"; then
  go_install "github.com/livekit/livekit-server/cmd/server@v$LIVEKIT_SERVER_VERSION" server livekit-server
fi
have_version livekit-server "$LIVEKIT_SERVER_VERSION" || die "livekit-server $LIVEKIT_SERVER_VERSION not usable"

# LiveKit SIP (cgo: Opus and SoX resampler from Debian's packages). Its binary does not carry its
# version, so the cache keeps it in a file beside the binary.
# sip/livekit-sip-final-response.patch: its client requests (REFER above all) must not report a
# final response the far end sent as a timeout (the patch says why; seen as a failed transfer the
# caller had accepted, on a busy machine).
SIP_PATCH="$ROOT/sip/livekit-sip-final-response.patch"
if [ "${PARLEY_WITH_SIP:-1}" = 1 ] &&
  [ "$(cat "$TOOLS_DIR/livekit-sip.version" 2>/dev/null)" != "$(tool_stamp "$LIVEKIT_SIP_VERSION" "$SIP_PATCH")" ]; then
  mkdir -p "$TOOLS_DIR"
  go_build_dep github.com/livekit/sip "$LIVEKIT_SIP_VERSION" github.com/livekit/sip/cmd/livekit-sip livekit-sip 1 "$SIP_PATCH"
fi
