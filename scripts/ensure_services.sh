#!/usr/bin/env bash
# Start the PostgreSQL server the tests use, if it is not already accepting connections.
# The PostgreSQL tests never skip under CI=true, so CI must not reach pytest without it.
set -euo pipefail
host=${DXSTATS_TEST_PG_HOST:-127.0.0.1}
port=${DXSTATS_TEST_PG_PORT:-5432}
if pg_isready -q -h "$host" -p "$port"; then
  exit 0
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  echo "starting PostgreSQL on $host:$port" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  for _ in $(seq 1 30); do
    pg_isready -q -h "$host" -p "$port" && exit 0
    sleep 1
  done
fi
echo "PostgreSQL is not reachable on $host:$port" >&2
exit 1
