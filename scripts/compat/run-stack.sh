#!/usr/bin/env bash
# run-stack.sh IMAGE RUNTIME OUT SUITE...: runs the suites in a fresh container of a stack's image
# on the host engine (runc), its dockerd inside, against RUNTIME (msb or runsc); results land in
# OUT. The container gets what Docker-in-Docker needs on this host without --privileged (which
# fails here: the capability bounding set lacks CAP_SYS_RESOURCE): every other capability,
# unconfined seccomp/AppArmor/system paths, a private cgroup namespace (made writable inside), and
# tmpfs for /run, /tmp and the inner data root. The checkout and the host's node are read-only.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
image=$1 runtime=$2 out=$3
shift 3
name=msb-compat-$(basename "$out")-$$
mkdir -p "$out"
cleanup() { docker rm -f "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM
tmpfs=rw,exec,dev,suid
docker run --rm --name "$name" --init --hostname "$(basename "$out")" \
  --cap-add ALL --cap-drop SYS_RESOURCE \
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
  --cgroupns private \
  --tmpfs "/run:$tmpfs" --tmpfs "/tmp:$tmpfs" --tmpfs "/var/lib/docker:$tmpfs" \
  -v "$repo:/src-ro:ro" -v /usr/bin/node:/usr/bin/node:ro -v "$out:/results" \
  -e NO_COLOR=1 -e CI="${CI:-}" \
  "$image" bash /src-ro/scripts/compat/inner-run.sh "$runtime" "$@"
