#!/usr/bin/env bash
# start-engine.sh LOG: inside a stack's container, starts the stack's own dockerd (with the
# containerd it manages) and waits until it answers. Its data root is the container's tmpfs and
# its networks come from 10.213.0.0/16 and 10.214.0.0/16, apart from the host engine's.
set -euo pipefail
log=$1

# The private cgroup namespace is mounted read-only; dockerd (cgroupfs driver) must write to it.
mount -o remount,rw /sys/fs/cgroup 2>/dev/null || true
for d in /sys/fs/cgroup/*/; do mount -o remount,rw "$d" 2>/dev/null || true; done

mkdir -p /etc/docker
cat >/etc/docker/daemon.json <<'JSON'
{
  "data-root": "/var/lib/docker",
  "bip": "10.213.0.1/24",
  "default-address-pools": [{ "base": "10.214.0.0/16", "size": 24 }]
}
JSON
# setsid: dockerd outlives this script, in its own session.
setsid dockerd >"$log" 2>&1 </dev/null &
for _ in $(seq 1 120); do
  docker info >/dev/null 2>&1 && exit 0
  kill -0 $! 2>/dev/null || break
  sleep 0.5
done
echo "compat: dockerd did not come up; its log ($log) ends with:" >&2
tail -20 "$log" >&2
exit 1
