#!/usr/bin/env bash
# run.sh [STACK...]: the compatibility suite (`npm run test:compat [-- STACK...]`). For each stack
# (default: every stack in stacks.sh, or $MSB_COMPAT_STACKS), builds or reuses its image, then runs
# the Docker suites in it against msb and against runsc registered directly, and prints the matrix
# (matrix.mjs, also written to $MSB_COMPAT_OUT/matrix.md, default .compat/ in the checkout).
# Exit status: 0 when no failure is msb's, 1 when one is, 2 when a stack could not be measured.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=stacks.sh
. "$here/stacks.sh"

requested=("$@")
[ "${#requested[@]}" -gt 0 ] || read -ra requested <<<"${MSB_COMPAT_STACKS:-${compat_all_stacks[*]}}"
stacks=()
for s in "${requested[@]}"; do stacks+=("$(compat_suite "$s")") || exit 2; done
read -ra suites <<<"${MSB_COMPAT_SUITES:-${compat_suites[*]}}"
out=${MSB_COMPAT_OUT:-$repo/.compat}
mkdir -p "$out"

elapsed() { echo "$(($(date +%s) - $1))s"; }
start=$(date +%s)
(cd "$repo" && npm run build >"$out/build.log" 2>&1) || { cat "$out/build.log" >&2; exit 2; }
for stack in "${stacks[@]}"; do
  t=$(date +%s)
  for runtime in "${compat_runtimes[@]}"; do rm -rf "${out:?}/$stack-$runtime"; done
  if ! image=$("$here/build-image.sh" "$stack"); then
    echo "compat: $stack: no image, not measured" >&2
    continue
  fi
  echo "compat: $stack: image ready after $(elapsed "$t")"
  # Older images of the stack (built from package versions the archive no longer has) go.
  docker image ls --format '{{.Repository}}:{{.Tag}}' "${image%%:*}" | grep -vxF "$image" | xargs -r docker image rm >/dev/null || true
  for runtime in "${compat_runtimes[@]}"; do
    t=$(date +%s)
    mkdir -p "$out/$stack-$runtime"
    "$here/run-stack.sh" "$image" "$runtime" "$out/$stack-$runtime" "${suites[@]}" 2>&1 | tee "$out/$stack-$runtime/output.log" ||
      echo "compat: $stack under $runtime: the container failed (see $out/$stack-$runtime/output.log)" >&2
    echo "compat: $stack under $runtime: $(elapsed "$t")"
  done
done
echo "compat: total $(elapsed "$start")"
node "$here/matrix.mjs" "$out" "${stacks[*]}" "${suites[*]}"
