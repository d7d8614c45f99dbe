# Sourced by the compat scripts: the Docker stacks the compatibility suite builds, and what each
# image holds. A stack is a Debian suite whose own docker.io, containerd, runc and runsc are tested.
# shellcheck shell=bash

# compat_mirror is the Debian archive the root filesystems come from (the host's apt mirror).
compat_mirror=${MSB_COMPAT_MIRROR:-http://deb.debian.org/debian}

# compat_all_stacks are the stacks `npm run test:compat` builds when none is named.
compat_all_stacks=(trixie sid)

# compat_packages are installed into every stack's image: the engine and runtimes under test (the
# docker CLI is a package of its own, only recommended by docker.io), and
# what the Docker suites need inside (busybox-static for local/busybox, gcc for the static DNS
# client, dig, ip, compose v2 as `docker-compose`).
compat_packages=(docker.io docker-cli containerd runc runsc tini busybox-static iproute2 dnsutils docker-compose
  iptables procps gcc libc6-dev libstdc++6 ca-certificates)

# compat_versioned are the packages whose versions name an image: when one of them changes in the
# archive, the image is rebuilt.
compat_versioned=(docker.io containerd runc runsc docker-compose busybox-static tini)

# compat_suite maps a stack name (or its alias) to its Debian suite, or fails with the list.
compat_suite() {
  case $1 in
    trixie | debian13 | docker26) echo trixie ;;
    sid | unstable | docker28) echo sid ;;
    *) echo "compat: unknown stack '$1' (known: ${compat_all_stacks[*]}; aliases debian13/docker26, unstable/docker28)" >&2; return 1 ;;
  esac
}

# compat_runsc_suite maps a Debian suite to the suite its runsc comes from. sid's own build of
# gVisor 20240729 (0.0~20240729.0-7+b1, Go 1.26) panics in kernel.(*Task).assertTaskGoroutine
# after `docker exec` (6 of 20 sandboxes died, under msb and under runsc alone; msbctl doctor warns
# about it), which buries what the stack says about Docker 28 and containerd 2.1 under crashes.
# The sid stack therefore runs trixie's build of the same gVisor release (Go 1.24, 0 of 20).
compat_runsc_suite() {
  case $1 in
    sid) echo trixie ;;
    *) echo "$1" ;;
  esac
}

# compat_suites are the Docker suites run in every stack, each against msb and against runsc
# registered directly (name → test/docker/<name>.test.ts).
compat_suites=(docker-run dns-relay dns-compose demo-stack checkpoint)

# compat_runtimes are the runtimes each suite runs against: msb from the checkout, and runsc
# registered directly (runsc-as-msb.sh) as the reference that attributes each failure.
compat_runtimes=(msb runsc)
