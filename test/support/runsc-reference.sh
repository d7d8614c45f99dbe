#!/bin/sh
# The reference runtime for the black-box lifecycle suite: Debian's runsc as Docker would call it
# directly, with the one thing this host needs to run it at all: runsc before release-20240807
# refuses to start on kernels that namespace net.core.rmem_default (gvisor #10704) unless
# /proc/sys/net is hidden from it. `start` and `restore` are the commands that check.
for arg; do
  case $arg in
    start | restore)
      exec unshare --mount --propagation private -- /bin/sh -c \
        'mount -t tmpfs -o size=4k,mode=0555 ref-rmem /proc/sys/net && exec "$@"' ref-rmem runsc "$@" ;;
  esac
done
exec runsc "$@"
