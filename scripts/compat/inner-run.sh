#!/usr/bin/env bash
# inner-run.sh RUNTIME SUITE...: runs inside a stack's container (run-stack.sh starts it). Makes
# the read-only checkout (/src-ro) writable at /src (an overlay on tmpfs), starts the stack's
# dockerd, registers RUNTIME as the Docker runtime "msb" (msb from the checkout, or runsc directly
# through runsc-as-msb.sh in place of shim/msb-runtime, so every alias the suites install is runsc
# too), builds local/busybox, and runs each suite with vitest. Writes to /results: versions.txt,
# <suite>.json (vitest's JSON report), dockerd.log.
set -euo pipefail
runtime=$1
shift
results=/results

mkdir -p /run/compat/upper /run/compat/work /src
mount -t overlay compat-src -o lowerdir=/src-ro,upperdir=/run/compat/upper,workdir=/run/compat/work /src
cd /src
bash scripts/compat/start-engine.sh "$results/dockerd.log"

case $runtime in
  msb) ;;
  runsc) cp scripts/compat/runsc-as-msb.sh shim/msb-runtime ;;
  *) echo "compat: unknown runtime $runtime (msb or runsc)" >&2; exit 2 ;;
esac
./shim/msbctl install --name msb >/dev/null
for _ in $(seq 1 40); do
  docker info --format '{{json .Runtimes}}' | grep -q '"msb"' && break
  sleep 0.5
done
bash scripts/build-images.sh

{
  echo "docker $(docker version --format '{{.Server.Version}}')"
  echo "containerd $(containerd --version | awk '{print $3}')"
  echo "runc $(runc --version | awk 'NR==1 {print $3}')"
  echo "runsc $(dpkg-query -W -f '${Version}' runsc)"
  echo "compose $(docker-compose version --short 2>/dev/null || echo none)"
  echo "debian $(cat /etc/debian_version)"
} >"$results/versions.txt"

for suite in "$@"; do
  echo "== compat: $(sed -n 1p "$results/versions.txt"), runtime $runtime: test/docker/$suite.test.ts"
  # One retry: sid's runsc panics now and then (DESIGN.md), which would otherwise land on either
  # side at random; matrix.mjs counts and lists the tests that passed only on their retry.
  timeout 1200 node node_modules/vitest/vitest.mjs run "test/docker/$suite.test.ts" --retry=1 \
    --reporter=verbose --reporter=json --outputFile.json="$results/$suite.json" || true
done
