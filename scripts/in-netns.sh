#!/usr/bin/env bash
# Runs one command inside a fresh test namespace (see netns.sh) and deletes the namespace after.
# The command finds the namespace's veth address in PARLEY_NODE_IP.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
NS="parley-$$"
NODE_IP=$(bash scripts/netns.sh up "$NS")
trap 'bash scripts/netns.sh down "$NS"' EXIT
ip netns exec "$NS" env PARLEY_NODE_IP="$NODE_IP" PARLEY_NETNS="$NS" PATH="$PATH" "$@"
