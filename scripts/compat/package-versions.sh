#!/usr/bin/env bash
# package-versions.sh SUITE: prints "package version" for each of compat_versioned in SUITE's
# main/binary-amd64 Packages index on the mirror (one download, no apt state touched).
set -euo pipefail
here=$(dirname "$0")
# shellcheck source=stacks.sh
. "$here/stacks.sh"
suite=$1
curl -fsS "$compat_mirror/dists/$suite/main/binary-amd64/Packages.xz" | xz -dc |
  awk -v want="${compat_versioned[*]}" '
    BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) W[w[i]] = 1 }
    /^Package: / { p = $2 }
    /^Version: / { if (p in W && !(p in seen)) { seen[p] = $2 } }
    END { for (i = 1; i <= n; i++) { if (!(w[i] in seen)) { print "missing " w[i] > "/dev/stderr"; exit 1 } print w[i], seen[w[i]] } }'
