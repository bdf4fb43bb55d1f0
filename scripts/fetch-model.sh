#!/usr/bin/env bash
# Puts the TEN VAD model at models/ten-vad.onnx: copied from ../shared/ten-vad/ten-vad.onnx (next to
# the repo) when present, else downloaded from the upstream repository. Verifies its SHA-256 either
# way and refuses a mismatch. Idempotent: does nothing if the right file is already in place.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/models/ten-vad.onnx"
SHARED="$ROOT/../shared/ten-vad/ten-vad.onnx"
SHA256="e10b98a0cab1c98e847fbdda14cb3d45a38336d47535a3f63a0fb6c4e0f4cdf4"
# Pinned to the upstream commit whose src/onnx_model/ten-vad.onnx has the hash above.
URL="${TEN_VAD_MODEL_URL:-https://raw.githubusercontent.com/TEN-framework/ten-vad/dddbeb16e6a4b4e9fa3bc4bf87f30fc26a19e963/src/onnx_model/ten-vad.onnx}"

say() { printf '[fetch-model] %s\n' "$*" >&2; }
die() { printf '[fetch-model] ERROR: %s\n' "$*" >&2; exit 1; }

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$DEST" ] && [ "$(sha_of "$DEST")" = "$SHA256" ]; then
  say "models/ten-vad.onnx already in place (sha256 ok)"
  exit 0
fi

mkdir -p "$(dirname "$DEST")"
TMP="$(mktemp "$DEST.XXXXXX")"
trap 'rm -f "$TMP"' EXIT

if [ -f "$SHARED" ]; then
  say "copying $SHARED"
  cp "$SHARED" "$TMP"
else
  say "downloading $URL"
  command -v curl >/dev/null || die "curl is needed to download the model"
  curl -fsSL --retry 3 -o "$TMP" "$URL" || die "download failed: $URL"
fi

GOT="$(sha_of "$TMP")"
[ "$GOT" = "$SHA256" ] || die "sha256 mismatch for ten-vad.onnx: expected $SHA256, got $GOT"
chmod 644 "$TMP"
mv -f "$TMP" "$DEST"
trap - EXIT
say "models/ten-vad.onnx ready"
