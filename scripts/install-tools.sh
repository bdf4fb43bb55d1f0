#!/usr/bin/env bash
# Builds the pinned LiveKit Go tools from the Go module proxy into the tool cache, unless a binary of
# the pinned version is already on PATH or in the cache.
source "$(dirname "$0")/lib.sh"

LIVEKIT_SERVER_VERSION=1.13.5

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

if ! have_version livekit-server "$LIVEKIT_SERVER_VERSION"; then
  go_install "github.com/livekit/livekit-server/cmd/server@v$LIVEKIT_SERVER_VERSION" server livekit-server
fi
have_version livekit-server "$LIVEKIT_SERVER_VERSION" || die "livekit-server $LIVEKIT_SERVER_VERSION not usable"
