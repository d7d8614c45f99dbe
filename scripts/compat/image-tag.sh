#!/usr/bin/env bash
# image-tag.sh STACK: prints the Docker image tag of STACK's root filesystem. The tag is a hash of
# the suite, the package list, the archive's current versions of the packages under test and the
# build script, so an image is reused until one of those changes.
set -euo pipefail
here=$(dirname "$0")
# shellcheck source=stacks.sh
. "$here/stacks.sh"
suite=$(compat_suite "$1")
hash=$( {
  echo "$suite"
  echo "${compat_packages[*]}"
  "$here/package-versions.sh" "$suite"
  runsc_suite=$(compat_runsc_suite "$suite")
  [ "$runsc_suite" = "$suite" ] || "$here/package-versions.sh" "$runsc_suite"
  cat "$here/build-image.sh"
} | sha256sum | cut -c1-12)
echo "msb-compat/$suite:$hash"
