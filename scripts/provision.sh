#!/usr/bin/env bash
# Installs and starts what msb needs on a Debian 12 (bookworm) or Debian 13 (trixie) host,
# idempotently: Debian's Docker engine, gVisor's runsc, tini, busybox-static (for the local test
# and demo images), containerd's ctr, gcc and libc6-dev (to build the static Unix-socket client of
# test/docker/control-sockets.test.ts), docker-compose (for the compose tests and the demo stack),
# debootstrap (for the compatibility suite's Debian root filesystems, scripts/compat), nftables
# (the nft command: egress profiles of gVisor containers are enforced with it; its
# nftables.service stays disabled, since its /etc/nftables.conf flushes every table, Docker's too),
# then starts dockerd if no engine answers. Used by .ci/run and `npm run demo`.
#
# What differs between the two (packages of each release's own archive):
#   Debian 12: Docker 20.10, containerd 1.6, runsc 0.0~20240729 from bookworm-backports (bookworm's
#              own 0.0~20221219 has only the slow ptrace platform; a host that has it is upgraded),
#              docker-compose 1.29 (compose v1).
#   Debian 13: Docker 26.1, containerd 1.7, runsc 0.0~20240729, docker-compose 2.26 (compose v2,
#              /usr/bin/docker-compose links to the CLI plugin); docker.io only recommends the
#              docker CLI there (package docker-cli), so it is named explicitly; dig comes from
#              bind9-dnsutils (trixie has no dnsutils package).
#
# Both: bookworm's runsc 0.0~20221219 is also unpacked (not installed) at $LEGACY_RUNSC, for the
# tests that cover both runsc releases msb supports (policy gvisor.runsc names it there).
set -euo pipefail

# LEGACY_RUNSC is where bookworm's runsc 0.0~20221219 is kept beside the host's runsc
# (test/support/paths.ts names the same path).
LEGACY_RUNSC_DIR=/usr/local/lib/msb-runsc-20221219
LEGACY_RUNSC=$LEGACY_RUNSC_DIR/runsc
# BACKPORTS_RUNSC is the runsc release provisioning gives Debian 12 (systrap; Debian 13's own).
BACKPORTS_RUNSC=0.0~20240729

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
  # runsc comes from bookworm-backports below.
  12) packages=(docker.io containerd runc tini busybox-static iproute2 dnsutils util-linux gcc libc6-dev docker-compose debootstrap containernetworking-plugins nftables) ;;
  # trixie: dnsutils is only a name bind9-dnsutils provides (dpkg-query would never see it installed).
  13) packages=(docker.io docker-cli containerd runc runsc tini busybox-static iproute2 bind9-dnsutils util-linux gcc libc6-dev docker-compose debootstrap containernetworking-plugins nftables) ;;
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

# Debian 12: runsc from bookworm-backports (0.0~20240729, systrap) instead of bookworm's 0.0~20221219
# (ptrace only: about half the speed on network work, docs/gvisor.md "Platform"). Upgrades a host
# that already has bookworm's runsc; leaves a runsc at least that new alone.
if [ "$release" = 12 ]; then
  if ! grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "provision: Debian 12: adding bookworm-backports (/etc/apt/sources.list.d/bookworm-backports.sources) for runsc $BACKPORTS_RUNSC"
    cat >/etc/apt/sources.list.d/bookworm-backports.sources <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  fi
  # dpkg-query fails for a package it has never seen (a fresh host): that is "none", not an error.
  installed=$({ dpkg-query -W -f='${Status} ${Version}' runsc 2>/dev/null || true; } | sed -n 's/^install ok installed //p')
  if [ -z "$installed" ] || dpkg --compare-versions "$installed" lt "$BACKPORTS_RUNSC"; then
    echo "provision: Debian 12: installing runsc from bookworm-backports (installed: ${installed:-none})"
    apt-get update -qq -o Acquire::Check-Valid-Until=false ||
      echo "provision: apt-get update reported errors (above)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports runsc >/dev/null
  fi
fi

# fetch_legacy_runsc unpacks bookworm's runsc .deb into $LEGACY_RUNSC_DIR through an apt
# configuration of its own (bookworm only, lists in a temporary directory): the host's sources
# and package lists stay as they are, on Debian 12 and 13 alike.
fetch_legacy_runsc() {
  local work
  work=$(mktemp -d)
  mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/parts" "$work/x"
  cat >"$work/parts/bookworm.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  local apt=(-qq -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$work/parts" -o Dir::State::Lists="$work/lists"
    -o Dir::Cache::Archives="$work/archives" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Acquire::Check-Valid-Until=false
    -o APT::Sandbox::User=root)
  apt-get "${apt[@]}" update
  # The version, not just the name: apt's candidate would be the newer runsc already installed.
  local version
  version=$(apt-cache "${apt[@]}" madison runsc | awk -F' *[|] *' '$3 ~ /bookworm\/main/ {print $2; exit}')
  [ -n "$version" ] || { echo "provision: bookworm has no runsc package" >&2; return 1; }
  (cd "$work" && apt-get "${apt[@]}" download "runsc=$version")
  dpkg -x "$work"/runsc_*.deb "$work/x"
  install -D -m 0755 "$work/x/usr/bin/runsc" "$LEGACY_RUNSC"
  cp "$work"/runsc_*.deb "$LEGACY_RUNSC_DIR/"
  rm -rf "$work"
}
if ! "$LEGACY_RUNSC" --version 2>/dev/null | grep -q 20221219; then
  echo "provision: unpacking bookworm's runsc 0.0~20221219 at $LEGACY_RUNSC (for the tests of both runsc releases)"
  fetch_legacy_runsc
  "$LEGACY_RUNSC" --version | grep -q 20221219 ||
    echo "provision: warning: bookworm's runsc is no longer 0.0~20221219 ($("$LEGACY_RUNSC" --version | head -1)); the tests name it by that release" >&2
fi

# docker checkpoint needs experimental features; restarts dockerd only if it runs without them (docs/checkpoint.md).
bash "$(dirname "$0")/ensure-docker-experimental.sh"

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
echo "provision: Debian $release: docker $(docker version --format '{{.Server.Version}}'), $(runsc --version | head -1) (and $("$LEGACY_RUNSC" --version | head -1) at $LEGACY_RUNSC), $(docker-compose version --short 2>/dev/null || echo 'docker-compose ?')"
