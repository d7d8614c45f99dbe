#!/usr/bin/env bash
# The main job on a fresh Debian 12 or 13 host: provision Docker and gVisor, build msb, register it
# as Docker's runtime "msb", and run a container under it next to the same container under runc,
# showing that the msb one runs in gVisor's sandbox; then the compose demo stack under msb
# (scripts/demo-stack.sh). MSB_DEMO_RUNTIME registers and uses another runtime name than "msb".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/provision.sh
[ -d node_modules ] || npm ci --prefer-offline --no-audit --no-fund
npm run build --silent
runtime=${MSB_DEMO_RUNTIME:-msb}
./shim/msbctl install --name "$runtime"
bash scripts/build-images.sh
for _ in $(seq 1 50); do docker info --format '{{json .Runtimes}}' | grep -q "\"$runtime\"" && break; sleep 0.2; done

probe='echo "kernel: $(uname -r)"; echo "first kernel message: $(dmesg 2>/dev/null | head -1)"; echo "interfaces: $(ip -o link | cut -d: -f2 | tr -d " " | tr "\n" " ")"'
echo
echo "== docker run --runtime=runc local/busybox (no sandbox)"
docker run --rm --runtime=runc local/busybox sh -c "$probe"
echo
echo "== docker run --runtime=$runtime local/busybox (gVisor via msb)"
docker run --rm --runtime="$runtime" local/busybox sh -c "$probe"
echo
id=$(docker run -d --runtime="$runtime" local/busybox sleep 30)
trap 'docker rm -f "$id" >/dev/null 2>&1 || true' EXIT
record=/var/run/docker/runtime-runc/moby/msb/containers/$id/record.json
echo "== msb's record for container ${id:0:12}:"
node -e 'const r = require(process.argv[1]); const b = r.backendSummary;
  console.log(`  backend:  ${r.backend} (${r.selection.at(-1)})`);
  console.log(`  runsc:    ${b.runsc} ${b.runscVersion}, platform ${b.platform}`);
  console.log(`  why:      ${b.platformReason}`);
  console.log(`  rootfs writes: ${b.rootfsWrites.mode} (runsc ${b.rootfsWrites.flag}): ${b.rootfsWrites.reason}`);
  console.log(`  rmem_default workaround: ${b.rmemWorkaround.apply ? "applied" : "not needed"}: ${b.rmemWorkaround.reason}`);' "$record"
docker rm -f "$id" >/dev/null
trap - EXIT
echo
echo "The msb container saw gVisor's kernel (4.4.0) and its own network stack, not the host's."
echo
status=0
MSB_DEMO_RUNTIME=$runtime bash scripts/demo-stack.sh || status=$?
echo
echo "Run the tests with: npm test"
exit "$status"
