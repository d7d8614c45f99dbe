#!/bin/sh
# Test wrapper registered as a Docker runtime with runtimeArgs "--annotation KEY=VALUE": adds the
# annotation to the bundle's config.json before msb's create, as `docker run --annotation` does
# on Docker >= 24 (this host's Docker 20.10 has no --annotation).
here=$(dirname "$(readlink -f "$0")")
[ "$1" = --annotation ] || { echo "usage: $0 --annotation KEY=VALUE runtime-args..." >&2; exit 2; }
annotation=$2
shift 2
prev=
for arg; do
  if [ "$prev" = --bundle ]; then
    MSB_ANNOTATION=$annotation node -e '
      const fs = require("fs"); const f = process.argv[1] + "/config.json";
      const spec = JSON.parse(fs.readFileSync(f, "utf8"));
      const [k, ...v] = process.env.MSB_ANNOTATION.split("=");
      spec.annotations = { ...(spec.annotations || {}), [k]: v.join("=") };
      fs.writeFileSync(f, JSON.stringify(spec));' "$arg"
  fi
  prev=$arg
done
exec "$here/../../../shim/msb-runtime" "$@"
