# Shared helpers for the project's shell scripts. Sourced, never run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Go-built tools (livekit-server, later livekit-sip and lk) are cached per machine, outside the clone,
# so a fresh clone on the same machine does not rebuild them.
TOOLS_DIR="${PARLEY_TOOLS_DIR:-$HOME/.cache/parley/bin}"
export PATH="$TOOLS_DIR:$PATH"

say() { printf '\033[1m[parley]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[parley] %s\033[0m\n' "$*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" = 0 ] || die "$1 needs root (network namespaces / apt). Re-run as root or with sudo."
}
