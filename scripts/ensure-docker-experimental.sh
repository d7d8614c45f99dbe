#!/usr/bin/env bash
# ensure-docker-experimental.sh: `docker checkpoint` and `docker start --checkpoint` need dockerd's
# experimental features (docs/checkpoint.md). Sets "experimental": true in daemon.json (every other
# key kept, under msbctl's daemon.json lock) and restarts dockerd only when the running daemon does
# not have it yet: dockerd does not reload "experimental" on SIGHUP (Docker 20.10), and a restart
# stops running containers, so a host that already runs experimental is never touched. Idempotent.
# Run by scripts/provision.sh before it starts dockerd (.ci/run provisions first).
set -euo pipefail
conf=${MSB_DAEMON_JSON:-/etc/docker/daemon.json}

# Only the local engine is ever restarted: with DOCKER_HOST set, the daemon is someone else's.
if ! info=$(docker info --format '{{.ExperimentalBuild}}' 2>/dev/null); then
  running=none
else
  running=$info
fi
[ "$running" = true ] && exit 0
if [ "$running" != none ] && [ -n "${DOCKER_HOST:-}" ]; then
  echo "ensure-docker-experimental: the engine at DOCKER_HOST=$DOCKER_HOST runs without experimental features; msb leaves remote engines alone" >&2
  exit 0
fi

# The edit, with the lock msbctl install takes (src/ctl/file-lock.ts: <file>.msbctl-lock holds the pid).
node - "$conf" <<'JS'
const fs = require('fs');
const path = require('path');
const conf = process.argv[2];
const lock = `${conf}.msbctl-lock`;
fs.mkdirSync(path.dirname(conf), { recursive: true });
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const deadline = Date.now() + 10000;
for (;;) {
  try { fs.writeFileSync(lock, String(process.pid), { flag: 'wx' }); break; } catch (e) { if (e.code !== 'EEXIST') throw e; }
  let holder = 0;
  try { holder = Number(fs.readFileSync(lock, 'utf8')); } catch { continue; }
  if (!holder || !alive(holder)) { try { fs.unlinkSync(lock); } catch {} continue; }
  if (Date.now() > deadline) { console.error(`ensure-docker-experimental: ${lock} is held by pid ${holder}`); process.exit(1); }
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
}
try {
  let c = {};
  try { c = JSON.parse(fs.readFileSync(conf, 'utf8')); } catch (e) { if (e.code !== 'ENOENT') throw e; }
  if (c.experimental !== true) {
    c.experimental = true;
    fs.writeFileSync(`${conf}.msb-tmp`, `${JSON.stringify(c, null, 2)}\n`);
    fs.renameSync(`${conf}.msb-tmp`, conf);
    console.log(`ensure-docker-experimental: set "experimental": true in ${conf}`);
  }
} finally {
  fs.unlinkSync(lock);
}
JS

[ "$running" = none ] && exit 0 # no daemon answers: provision starts it with the setting

# Running without it: restart it with the same command line (systemd's unit when systemd runs it).
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker 2>/dev/null; then
  echo "ensure-docker-experimental: restarting docker.service for experimental features"
  systemctl restart docker
  exit 0
fi
pid=$(pidof dockerd | awk '{print $1}')
[ -n "$pid" ] || { echo "ensure-docker-experimental: an engine answers but no dockerd process is visible; restart it yourself" >&2; exit 1; }
mapfile -d '' argv <"/proc/$pid/cmdline"
echo "ensure-docker-experimental: restarting dockerd (pid $pid: ${argv[*]}) for experimental features"
kill -TERM "$pid"
for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$pid" 2>/dev/null; then echo "ensure-docker-experimental: dockerd $pid did not stop" >&2; exit 1; fi
# setsid: dockerd must not share our process group or terminal (as provision.sh starts it).
setsid nohup "${argv[@]}" >>/var/log/msb-dockerd.log 2>&1 </dev/null &
for _ in $(seq 1 60); do
  [ "$(docker info --format '{{.ExperimentalBuild}}' 2>/dev/null)" = true ] && exit 0
  sleep 0.5
done
echo "ensure-docker-experimental: dockerd did not come back with experimental features; see /var/log/msb-dockerd.log" >&2
exit 1
