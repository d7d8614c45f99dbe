#!/usr/bin/env bash
# Builds the local images the tests and the demo use. No registry is reachable, so images come
# from Debian's busybox-static: `docker import` of a minimal rootfs. Idempotent: an image that
# exists with the same content label is kept.
set -euo pipefail

busybox=/bin/busybox
[ -x "$busybox" ] || { echo "build-images: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
digest=$(sha256sum "$busybox" | cut -c1-16)
if [ "$(docker image inspect local/busybox --format '{{index .Config.Labels "io.msb.busybox"}}' 2>/dev/null)" = "$digest" ]; then
  echo "build-images: local/busybox is up to date"
  exit 0
fi
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{bin,etc,tmp,proc,sys,dev,root,var/www}
chmod 1777 "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
echo 'hello from msb' >"$rootfs/var/www/index.html"
tar -C "$rootfs" -c . | docker import \
  -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' -c "LABEL io.msb.busybox=$digest" \
  - local/busybox:latest >/dev/null
echo "build-images: built local/busybox ($digest)"
