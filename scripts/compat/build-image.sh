#!/usr/bin/env bash
# build-image.sh STACK: makes sure the image of STACK's root filesystem exists and prints its tag.
# Builds it when missing: debootstrap (minbase) from the Debian archive, then the suite's own
# packages (stacks.sh) with apt inside the root, then `docker import`. The image carries the
# versions of the packages under test as labels (io.msb.compat.<package>).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=stacks.sh
. "$here/stacks.sh"
stack=$1
suite=$(compat_suite "$stack")
tag=$("$here/image-tag.sh" "$stack")
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "compat: $stack: image $tag is cached" >&2
  echo "$tag"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "compat: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }

root=$(mktemp -d /var/tmp/msb-compat-rootfs.XXXXXX)
cleanup() {
  for m in dev/pts dev proc sys; do umount -l "$root/$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
log=$root.log
echo "compat: $stack: building $tag from $compat_mirror $suite (log $log)" >&2
# sid's Release may be older than its Valid-Until on this mirror; debootstrap does not check it,
# apt inside the root is told not to.
debootstrap --variant=minbase "$suite" "$root" "$compat_mirror" >"$log" 2>&1 ||
  { tail -20 "$log" >&2; echo "compat: $stack: debootstrap failed" >&2; exit 1; }
echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99msb-compat"
# Daemons are started by the suite, not by the packages' maintainer scripts.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount -t sysfs sysfs "$root/sys"
cp /etc/resolv.conf "$root/etc/resolv.conf"
runsc_suite=$(compat_runsc_suite "$suite")
packages=("${compat_packages[@]}")
if [ "$runsc_suite" != "$suite" ]; then
  # runsc from another suite (stacks.sh says why): that suite's archive, for runsc alone.
  echo "deb $compat_mirror $runsc_suite main" >"$root/etc/apt/sources.list.d/msb-runsc.list"
  packages=("${packages[@]/#runsc/runsc/$runsc_suite}")
fi
chroot "$root" apt-get update -qq >>"$log" 2>&1
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >>"$log" 2>&1 ||
  { tail -20 "$log" >&2; echo "compat: $stack: apt-get install failed" >&2; exit 1; }
chroot "$root" apt-get clean
labels=()
while read -r pkg version; do
  labels+=(-c "LABEL io.msb.compat.$pkg=$version")
done < <(chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' "${compat_versioned[@]}")
for m in dev/pts dev proc sys; do umount -l "$root/$m" 2>/dev/null || true; done
rm -rf "$root/var/lib/apt/lists"/* "$root/etc/resolv.conf"
tar -C "$root" --one-file-system -c . | docker import "${labels[@]}" -c "LABEL io.msb.compat.suite=$suite" - "$tag" >/dev/null
echo "compat: $stack: built $tag" >&2
rm -f "$log"
echo "$tag"
