#!/usr/bin/env bash
# The demo stack (docker-compose.yml) under msb, with a short report: the sandbox each service
# runs in (from msb's record), the kernel each sees, and whether the client found the web service
# by name. Tears the stack down afterwards. Called by scripts/demo.sh after msb is registered;
# MSB_DEMO_RUNTIME names another runtime alias to run it under (the file is hardened to it in a
# temporary copy), so the demo can run on a host where "msb" points at another checkout.
set -euo pipefail
cd "$(dirname "$0")/.."

runtime=${MSB_DEMO_RUNTIME:-msb}
project=msbdemo
records=/var/run/docker/runtime-runc/moby/msb/containers
file=docker-compose.yml
workdir=$(mktemp -d)
compose() { docker-compose --ansi never -p "$project" -f "$file" "$@"; }
cleanup() {
  compose down --volumes --timeout 1 >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT
if [ "$runtime" != msb ]; then
  cp docker-compose.yml "$workdir/docker-compose.yml"
  file=$workdir/docker-compose.yml
  ./shim/msbctl harden --force --runtime "$runtime" "$file" >/dev/null
fi

echo "== msbctl harden --check $file"
./shim/msbctl harden --check --runtime "$runtime" "$file" | sed 's/^/   /'
echo "== docker-compose up -d (project $project, runtime $runtime)"
compose up -d >"$workdir/up.log" 2>&1 || { sed 's/^/   /' "$workdir/up.log"; exit 1; }
echo "   up: $(compose ps --services | tr '\n' ' ')"

# The client prints one "discovery:" line after at most five tries, a second apart.
discovery=
for _ in $(seq 1 40); do
  discovery=$(compose logs --no-color client 2>/dev/null | grep -o 'discovery: .*' | head -1 || true)
  [ -n "$discovery" ] && break
  sleep 0.5
done

echo
echo "== report (host kernel $(uname -r))"
printf '   %-8s %-11s %-10s %s\n' service kernel backend "sandbox (msb's record)"
for service in web client; do
  id=$(compose ps -q "$service")
  kernel=$(docker exec "$id" uname -r 2>/dev/null || echo '?')
  if [ -r "$records/$id/record.json" ]; then
    node -e 'const r = require(process.argv[1]); const b = r.backendSummary ?? {};
      const parts = [b.runscVersion && `runsc ${b.runscVersion}`, b.platform && `platform ${b.platform}`].filter(Boolean);
      process.stdout.write(`${r.backend}\t${parts.join(", ")}\n`);' "$records/$id/record.json" |
      { IFS=$'\t' read -r backend detail; printf '   %-8s %-11s %-10s %s\n' "$service" "$kernel" "$backend" "$detail"; }
  else
    printf '   %-8s %-11s %-10s %s\n' "$service" "$kernel" none "NOT under msb: no record at $records/${id:0:12}…"
  fi
done
case $discovery in
  'discovery: ok: '*)
    echo "   service discovery: OK: the client fetched http://web/ by service name: \"${discovery#discovery: ok: }\"" ;;
  'discovery: failed: '*)
    nameserver=$(docker exec "$(compose ps -q client)" grep -m1 '^nameserver' /etc/resolv.conf 2>/dev/null | cut -d' ' -f2 || true)
    echo "   service discovery: FAILED: the client could not fetch http://web/ by name: ${discovery#discovery: failed: }"
    echo "     its resolver is ${nameserver:-unknown}; under gVisor Docker's embedded DNS (127.0.0.11) is out of the sandbox's"
    echo "     reach, so service names resolve only with msb's DNS relay (docs/dns.md)." ;;
  *)
    echo "   service discovery: FAILED: the client printed no result (docker-compose -p $project logs client)" ;;
esac
compose down --volumes --timeout 1 >/dev/null 2>&1
echo "== docker-compose down: stack removed"
[ "${discovery#discovery: ok}" != "$discovery" ]
