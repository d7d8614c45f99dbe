#!/usr/bin/env bash
# Builds the local images the tests, the demo and the benchmark use. No registry is reachable, so
# images come from Debian packages: `docker import` of a root filesystem. Idempotent: an image that
# exists with the same content label is kept.
#
#   scripts/build-images.sh [busybox] [redis]     (no argument: all of them)
#
# local/busybox: Debian's busybox-static alone (2 MB).
# local/redis:   Debian 12's redis-server, redis-cli and redis-benchmark in a minbase root filesystem
#                (debootstrap). The root filesystem is cached as a tarball under $MSB_IMAGE_CACHE
#                (/var/cache/msb/images), so a rebuild after `docker rmi` is a `docker import` of
#                a few seconds; only the first build downloads from the Debian mirror (~1 minute).
#                Skipped with a warning, not an error, when debootstrap is missing and redis was
#                not asked for by name (the compatibility stacks have no debootstrap).
set -euo pipefail

cache=${MSB_IMAGE_CACHE:-/var/cache/msb/images}
mirror=${MSB_IMAGE_MIRROR:-http://deb.debian.org/debian}

build_busybox() {
  local busybox=/bin/busybox digest rootfs
  [ -x "$busybox" ] || { echo "build-images: $busybox missing (apt-get install busybox-static)" >&2; return 1; }
  digest=$(sha256sum "$busybox" | cut -c1-16)
  if [ "$(docker image inspect local/busybox --format '{{index .Config.Labels "io.msb.busybox"}}' 2>/dev/null)" = "$digest" ]; then
    echo "build-images: local/busybox is up to date"
    return 0
  fi
  rootfs=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: the trap outlives this function's locals
  trap "rm -rf '$rootfs'" EXIT
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
  rm -rf "$rootfs"
  trap - EXIT
  echo "build-images: built local/busybox ($digest)"
}

# redis_recipe names what goes into local/redis; change it to force a rebuild everywhere.
redis_suite=bookworm
redis_recipe="$redis_suite-minbase-redis-1"

build_redis() {
  local required=$1 tarball="$cache/redis-$redis_recipe.tar" root log version
  if [ "$(docker image inspect local/redis --format '{{index .Config.Labels "io.msb.redis.recipe"}}' 2>/dev/null)" = "$redis_recipe" ]; then
    echo "build-images: local/redis is up to date"
    return 0
  fi
  if [ ! -s "$tarball" ]; then
    if ! command -v debootstrap >/dev/null; then
      if [ "$required" = yes ]; then
        echo "build-images: local/redis needs debootstrap (apt-get install debootstrap)" >&2
        return 1
      fi
      echo "build-images: WARNING local/redis not built: debootstrap is missing (apt-get install debootstrap)" >&2
      return 0
    fi
    mkdir -p "$cache/debs"
    root=$(mktemp -d /var/tmp/msb-redis-rootfs.XXXXXX)
    log=$root.log
    # shellcheck disable=SC2064 # expand now
    trap "rm -rf --one-file-system '$root'" EXIT
    echo "build-images: building local/redis: debootstrap $redis_suite from $mirror (log $log)"
    # redis-server's maintainer script does not start it: debootstrap stubs start-stop-daemon.
    debootstrap --variant=minbase --include=redis-server,redis-tools --cache-dir="$cache/debs" \
      "$redis_suite" "$root" "$mirror" >"$log" 2>&1 ||
      { tail -20 "$log" >&2; echo "build-images: debootstrap failed" >&2; return 1; }
    for bin in redis-server redis-cli redis-benchmark; do
      [ -x "$root/usr/bin/$bin" ] || { echo "build-images: $bin missing from the redis root filesystem" >&2; return 1; }
    done
    version=$(chroot "$root" dpkg-query -W -f '${Version}' redis-server)
    echo "$version" >"$root/etc/msb-redis-version"
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc/* \
      "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root/etc/resolv.conf"
    tar -C "$root" --one-file-system -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf --one-file-system "$root" "$log"
    trap - EXIT
  fi
  version=$(tar -xOf "$tarball" ./etc/msb-redis-version)
  docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["redis-server", "--protected-mode", "no"]' -c 'EXPOSE 6379' \
    -c "LABEL io.msb.redis.recipe=$redis_recipe" -c "LABEL io.msb.redis.version=$version" \
    "$tarball" local/redis:latest >/dev/null
  echo "build-images: built local/redis (redis $version, $redis_recipe)"
}

images=("$@")
[ ${#images[@]} -gt 0 ] || images=(busybox redis-default)
for image in "${images[@]}"; do
  case $image in
    busybox) build_busybox ;;
    redis) build_redis yes ;;
    redis-default) build_redis no ;;
    *) echo "build-images: unknown image '$image' (known: busybox redis)" >&2; exit 1 ;;
  esac
done
