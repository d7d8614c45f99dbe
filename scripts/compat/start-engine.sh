#!/usr/bin/env bash
# start-engine.sh LOG: inside a stack's container, starts the stack's own dockerd (with the
# containerd it manages) and waits until it answers. Its data root is the container's tmpfs and
# its networks come from 10.213.0.0/16 and 10.214.0.0/16, apart from the host engine's. Experimental
# features are on for `docker checkpoint` (the checkpoint suite; docs/checkpoint.md).
set -euo pipefail
log=$1

# The private cgroup namespace's hierarchies are mounted read-only; dockerd (cgroupfs driver) and
# the runtimes must write to them. A per-mount-point remount (bind) is what works without
# --privileged; remounting the cgroup superblock itself is refused ("mount point is busy").
for d in /sys/fs/cgroup /sys/fs/cgroup/*/; do
  [ -w "$d" ] && mkdir "$d/.compat-probe" 2>/dev/null && rmdir "$d/.compat-probe" && continue
  mount -o remount,rw,bind "$d"
done

mkdir -p /etc/docker
cat >/etc/docker/daemon.json <<'JSON'
{
  "data-root": "/var/lib/docker",
  "bip": "10.213.0.1/24",
  "default-address-pools": [{ "base": "10.214.0.0/16", "size": 24 }],
  "experimental": true
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
