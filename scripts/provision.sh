#!/usr/bin/env bash
# Installs and starts what msb needs on a Debian 12 host, idempotently: Debian's Docker engine,
# gVisor's runsc, tini, busybox-static (for the local test and demo images), containerd's ctr,
# gcc and libc6-dev (to build the static Unix-socket client of test/docker/control-sockets.test.ts),
# docker-compose (v1, for the compose tests and the demo stack), debootstrap (for the compatibility
# suite's Debian root filesystems, scripts/compat),
# then starts dockerd if no engine answers. Used by .ci/run and `npm run demo`.
set -euo pipefail

packages=(docker.io containerd runc runsc tini busybox-static iproute2 dnsutils util-linux gcc libc6-dev docker-compose debootstrap)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "provision: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "provision: starting dockerd (log: /var/log/msb-dockerd.log)"
  # setsid: dockerd must not share our process group or terminal.
  setsid nohup dockerd >>/var/log/msb-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { echo "provision: dockerd did not come up; see /var/log/msb-dockerd.log" >&2; exit 1; }
fi
echo "provision: docker $(docker version --format '{{.Server.Version}}'), $(runsc --version | head -1)"
