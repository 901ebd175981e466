#!/usr/bin/env bash
# Start the PostgreSQL and Redis servers the tests use, if they are not already accepting connections.
# The PostgreSQL and Redis tests never skip under CI=true, so CI must not reach pytest without them.
set -euo pipefail
host=${DXSTATS_TEST_PG_HOST:-127.0.0.1}
port=${DXSTATS_TEST_PG_PORT:-5432}
redis_host=${DXSTATS_TEST_REDIS_HOST:-127.0.0.1}
redis_port=${DXSTATS_TEST_REDIS_PORT:-6379}

ensure_postgres() {
  if pg_isready -q -h "$host" -p "$port"; then
    return 0
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL on $host:$port" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
    for _ in $(seq 1 30); do
      pg_isready -q -h "$host" -p "$port" && return 0
      sleep 1
    done
  fi
  echo "PostgreSQL is not reachable on $host:$port" >&2
  return 1
}

# The Celery test's broker: a throwaway server, nothing kept on disk.
ensure_redis() {
  if redis-cli -h "$redis_host" -p "$redis_port" ping >/dev/null 2>&1; then
    return 0
  fi
  if command -v redis-server >/dev/null 2>&1; then
    echo "starting Redis on $redis_host:$redis_port" >&2
    redis-server --daemonize yes --bind "$redis_host" --port "$redis_port" --save "" --appendonly no
    for _ in $(seq 1 30); do
      redis-cli -h "$redis_host" -p "$redis_port" ping >/dev/null 2>&1 && return 0
      sleep 1
    done
  fi
  echo "Redis is not reachable on $redis_host:$redis_port" >&2
  return 1
}

ensure_postgres
ensure_redis
