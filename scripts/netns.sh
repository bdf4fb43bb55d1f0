#!/usr/bin/env bash
# The isolated test network: a namespace holding a veth pair whose two ends both live inside it.
# libwebrtc (Chromium, rtc-node) never gathers loopback candidates, so WebRTC cannot connect on `lo`
# alone; a veth end with a private address gives every peer a host candidate, and nothing in the
# namespace can reach any other host.
#
#   netns.sh up NAME     create (idempotent); prints the node address
#   netns.sh down NAME   delete, killing whatever still runs inside
#   netns.sh exec NAME CMD...
source "$(dirname "$0")/lib.sh"

NODE_IP=${PARLEY_NODE_IP:-10.77.0.1}
PEER_IP=${PARLEY_PEER_IP:-10.77.0.2}

up() {
  local ns=$1
  need_root "creating network namespace $ns"
  if ! ip netns list | grep -qw "$ns"; then
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$ns" link add pa0 type veth peer name pa1
    ip -n "$ns" addr add "$NODE_IP/24" dev pa0
    ip -n "$ns" addr add "$PEER_IP/24" dev pa1
    ip -n "$ns" link set pa0 up
    ip -n "$ns" link set pa1 up
    ip -n "$ns" route add default via "$PEER_IP" dev pa0
  fi
  echo "$NODE_IP"
}

down() {
  local ns=$1
  ip netns list | grep -qw "$ns" || return 0
  local pids
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  if [ -n "$pids" ]; then
    kill $pids 2>/dev/null || true
    sleep 1
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
  fi
  ip netns del "$ns"
}

case "${1:-}" in
  up) up "$2" ;;
  down) down "$2" ;;
  exec) ns=$2; shift 2; exec ip netns exec "$ns" "$@" ;;
  *) die "usage: netns.sh up|down|exec NAME [CMD...]" ;;
esac
