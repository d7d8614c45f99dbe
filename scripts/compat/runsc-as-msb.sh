#!/bin/sh
# The reference runtime of the compatibility suite: runsc registered directly, put in place of
# shim/msb-runtime inside a stack's container (inner-run.sh), so the very same Docker suites and
# runtime aliases run against plain runsc. It drops the global flags only msb knows (--policy,
# --isolation: the suites register aliases with them) and runs test/support/runsc-reference.sh
# (runsc with the rmem_default workaround, gvisor #10704).
# It refuses a container in the engine's own network namespace (docker run --network host): plain
# runsc there strips every address of the namespace (DESIGN.md "A hazard"), which would cut the
# stack's dockerd off its own networks. That refusal is this reference's, not runsc's behaviour.
set -u
reference=$(dirname "$0")/../test/support/runsc-reference.sh

bundle=
prev=
n=$#
i=0
while [ "$i" -lt "$n" ]; do
  arg=$1
  shift
  i=$((i + 1))
  case $arg in
    --policy=* | --isolation=*) continue ;;
    --policy | --isolation) shift; i=$((i + 1)); continue ;;
  esac
  [ "$prev" = --bundle ] && bundle=$arg
  case $arg in --bundle=*) bundle=${arg#--bundle=} ;; esac
  prev=$arg
  set -- "$@" "$arg"
done

# Only create (and restore, unused by Docker) names a bundle.
case $bundle in
  ?*)
    netns=$(node -e '
      const spec = JSON.parse(require("fs").readFileSync(process.argv[1] + "/config.json", "utf8"));
      const ns = (spec.linux?.namespaces ?? []).find((n) => n.type === "network");
      process.stdout.write(ns === undefined ? "none" : ns.path ?? "new");' "$bundle")
    if [ "$netns" = none ] || { [ "$netns" != new ] && [ "$(stat -Lc %i "$netns" 2>/dev/null)" = "$(stat -Lc %i /proc/self/ns/net)" ]; }; then
      echo "runsc-as-msb: refusing to run plain runsc in the engine's own network namespace (netns: $netns)" >&2
      exit 1
    fi ;;
esac
exec "$reference" "$@"
