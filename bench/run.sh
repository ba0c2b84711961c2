#!/usr/bin/env bash
# Benchmark: a fresh server (Release build, new SQLite database) on 127.0.0.1, loaded by
# bench/Vantage6.Bench. Usage: bench/run.sh [-c 1,8,32] [-t 10] [--endpoints abc]
# Socket.IO: bench/run.sh sockets [-n 1000,5000] [-t 20] [--settle 30] (bench/Vantage6.SocketBench starts its own server).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ "${1:-}" == "sockets" ]]; then
  shift
  DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 exec dotnet run --project "$here/bench/Vantage6.SocketBench" -c Release -- "$@"
fi
port="${V6_BENCH_PORT:-7611}"
work="$(mktemp -d)"
trap '"$here/vserver" stop --name bench --user >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
cat > "$work/bench.yaml" <<YAML
description: benchmark server
ip: 127.0.0.1
port: $port
api_path: /api
uri: sqlite:///bench.sqlite
allow_drop_all: true
jwt_secret_key: benchmark-secret-benchmark-secret
cors_allowed_origins: "*"
directories: {data: $work, log: $work}
logging: {level: WARNING, file: bench.log, use_console: false, backup_count: 1, max_size: 1024,
          format: "%(asctime)s - %(name)-14s - %(levelname)-8s - %(message)s", datefmt: "%Y-%m-%d %H:%M:%S"}
YAML
# Starts the server in the background and waits until it answers.
"$here/vserver" start --config "$work/bench.yaml" --user
dotnet run --project "$here/bench/Vantage6.Bench" -c Release -- "http://127.0.0.1:$port/api" "$@"
