#!/bin/sh
# Test wrapper registered as a Docker runtime: truncates the bundle's config.json before msb's
# create reads it, standing in for a broken caller (Docker itself always writes valid JSON).
here=$(dirname "$(readlink -f "$0")")
prev=
for arg; do
  [ "$prev" = --bundle ] && printf '{"ociVersion": "1.0.2", "root": ' >"$arg/config.json"
  prev=$arg
done
exec "$here/../../../shim/msb-runtime" "$@"
