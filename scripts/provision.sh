#!/usr/bin/env bash
# Installs and starts what msb needs on a Debian 12 (bookworm) or Debian 13 (trixie) host,
# idempotently: Debian's Docker engine, gVisor's runsc, tini, busybox-static (for the local test
# and demo images), containerd's ctr, gcc and libc6-dev (to build the static Unix-socket client of
# test/docker/control-sockets.test.ts), docker-compose (for the compose tests and the demo stack),
# debootstrap (for the compatibility suite's Debian root filesystems, scripts/compat),
# then starts dockerd if no engine answers. Used by .ci/run and `npm run demo`.
#
# What differs between the two (packages of each release's own archive):
#   Debian 12: Docker 20.10, containerd 1.6, runsc 0.0~20221219, docker-compose 1.29 (compose v1).
#   Debian 13: Docker 26.1, containerd 1.7, runsc 0.0~20240729, docker-compose 2.26 (compose v2,
#              /usr/bin/docker-compose links to the CLI plugin); docker.io only recommends the
#              docker CLI there (package docker-cli), so it is named explicitly; dig comes from
#              bind9-dnsutils (trixie has no dnsutils package).
set -euo pipefail

# debian_major reads /etc/debian_version: "12.11" → 12; testing/unstable say "trixie/sid" etc.
debian_major() {
  local v
  v=$(cat /etc/debian_version 2>/dev/null || echo unknown)
  case $v in
    [0-9]*) echo "${v%%.*}" ;;
    *) echo "$v" ;;
  esac
}

release=$(debian_major)
case $release in
  12) packages=(docker.io containerd runc runsc tini busybox-static iproute2 dnsutils util-linux gcc libc6-dev docker-compose debootstrap containernetworking-plugins) ;;
  # trixie: dnsutils is only a name bind9-dnsutils provides (dpkg-query would never see it installed).
  13) packages=(docker.io docker-cli containerd runc runsc tini busybox-static iproute2 bind9-dnsutils util-linux gcc libc6-dev docker-compose debootstrap containernetworking-plugins) ;;
  *)
    echo "provision: Debian $release (/etc/debian_version) is not supported: Debian 12 or 13 only" >&2
    exit 1
    ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "provision: Debian $release: installing ${missing[*]}"
  # A suite whose Release file is past its Valid-Until (a frozen mirror or snapshot, sid at times)
  # must not stop provisioning; a source that fails outright (a third-party repository) is
  # reported, and the install below says what is then really missing.
  apt-get update -qq -o Acquire::Check-Valid-Until=false ||
    echo "provision: apt-get update reported errors (above); installing from the package lists there are" >&2
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
echo "provision: Debian $release: docker $(docker version --format '{{.Server.Version}}'), $(runsc --version | head -1), $(docker-compose version --short 2>/dev/null || echo 'docker-compose ?')"
