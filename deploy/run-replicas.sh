#!/usr/bin/env bash
# Three openbeta replicas on this machine (ports 8001-8003) on the database and store of deploy/openbeta.env.
# Put deploy/haproxy.cfg (or deploy/nginx.conf) in front of them. Stop them with Ctrl-C (each drains).
set -euo pipefail
cd "$(dirname "$0")/.."
set -a; . deploy/openbeta.env; set +a
pids=()
for port in 8001 8002 8003; do
  OPENBETA_DATA_DIR="${OPENBETA_DATA_DIR:-/var/lib/openbeta}/replica-$port" \
    openbeta serve --host 127.0.0.1 --port "$port" &
  pids+=("$!")
done
trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait' INT TERM
wait
