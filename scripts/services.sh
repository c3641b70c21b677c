# Shared by scripts/test and scripts/bench: make sure the services the tests use are running,
# starting or installing them (as root, with apt-get) when they are not.
# shellcheck shell=bash

log() { printf '==> %s\n' "$*" >&2; }

APT_UPDATED=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    log "need to install $* but not running as root: install it and run again"
    return 1
  fi
  if [ "$APT_UPDATED" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    APT_UPDATED=1
  fi
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

pg_reachable() {
  psql "$1" -Atqc 'select 1' >/dev/null 2>&1
}

# Exports PARLEY_TEST_PG_URL pointing at a Postgres the tests may create databases on.
ensure_postgres() {
  local url="${PARLEY_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  command -v psql >/dev/null || apt_install postgresql postgresql-client
  if ! pg_reachable "$url"; then
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
      apt_install postgresql
    fi
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    log "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 2>/dev/null || true
    for _ in $(seq 1 30); do
      pg_isready -q -h 127.0.0.1 -p 5432 && break
      sleep 1
    done
  fi
  if ! pg_reachable "$url" && [ "$(id -u)" = 0 ]; then
    # A fresh install asks for a password over TCP: give the postgres role a known one.
    su postgres -c "psql -q -c \"alter user postgres password 'postgres'\"" >&2
    url="postgres://postgres:postgres@127.0.0.1:5432/postgres"
  fi
  pg_reachable "$url" || { log "PostgreSQL is not reachable at $url"; return 1; }
  export PARLEY_TEST_PG_URL="$url"
}

# Exports PARLEY_TEST_REDIS_URL pointing at a running Redis.
ensure_redis() {
  local url="${PARLEY_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
  command -v redis-server >/dev/null || apt_install redis-server
  if ! redis-cli -u "$url" ping >/dev/null 2>&1; then
    log "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /tmp --logfile /tmp/parley-redis.log >&2
    for _ in $(seq 1 30); do
      redis-cli -u "$url" ping >/dev/null 2>&1 && break
      sleep 0.5
    done
  fi
  redis-cli -u "$url" ping >/dev/null 2>&1 || { log "Redis is not reachable at $url"; return 1; }
  export PARLEY_TEST_REDIS_URL="$url"
}

# Makes sure Python can run the tests' SMTP server (aiosmtpd, from PyPI).
ensure_aiosmtpd() {
  python3 -c 'import aiosmtpd' 2>/dev/null && return 0
  command -v python3 >/dev/null || apt_install python3
  python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  log "installing aiosmtpd (the tests' SMTP server)"
  python3 -m pip install -q aiosmtpd >&2 2>/dev/null \
    || python3 -m pip install -q --break-system-packages aiosmtpd >&2
  python3 -c 'import aiosmtpd' || { log "aiosmtpd could not be installed"; return 1; }
}

# Makes sure `node` (20 or later is what the JavaScript tests are written for) and `npm` exist.
# moto's S3-compatible server, for the attachments' S3 file store.
ensure_moto() {
  command -v moto_server >/dev/null 2>&1 && return 0
  log "installing moto (the tests' S3 server)"
  python3 -m pip install -q 'moto[server]' >&2 2>/dev/null \
    || python3 -m pip install -q --break-system-packages 'moto[server]' >&2
  command -v moto_server >/dev/null || { log "moto could not be installed"; return 1; }
}

# Debian's Postfix, for the test of the documented pipe to the inbound endpoint; installed
# unconfigured, so that no system instance starts (tests run private ones).
ensure_postfix() {
  bash "$(dirname "${BASH_SOURCE[0]}")/../tests/support/postfix.sh" ensure
}

# Debian's nginx, for the deployment recipe's test (docs/deploy/): a private instance with its
# own configuration is started by the test; the package's own service is not used.
ensure_nginx() {
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx
}

ensure_node() {
  if ! command -v node >/dev/null; then
    apt_install nodejs npm
  elif ! command -v npm >/dev/null; then
    apt_install npm
  fi
  command -v node >/dev/null && command -v npm >/dev/null || { log "node and npm are required"; return 1; }
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || log "warning: node $(node --version) found; the JavaScript tests expect 20 or later"
}

# Exports PARLEY_CHROMIUM: the browser the end-to-end tests drive (Debian's package, never a
# browser downloaded by a test tool).
ensure_chromium() {
  local bin="${PARLEY_CHROMIUM:-/usr/bin/chromium}"
  [ -x "$bin" ] || command -v chromium >/dev/null || apt_install chromium
  [ -x "$bin" ] || bin=$(command -v chromium) || { log "chromium is required for the end-to-end tests"; return 1; }
  export PARLEY_CHROMIUM="$bin"
}

# Runs `npm ci` in each folder given that has a package-lock.json, when its node_modules is
# missing or was installed from another lock file (a hash of the lock is kept beside it).
# Browser downloads are never wanted: the tests use Debian's Chromium.
ensure_npm_deps() {
  local dir stamp want
  for dir in "$@"; do
    [ -f "$dir/package-lock.json" ] || continue
    stamp="$dir/node_modules/.parley-lock.sha256"
    want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
      log "npm ci in $dir"
      (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2)
      echo "$want" >"$stamp"
    fi
  done
}

# Makes sure `cargo nextest` (the Rust suites' runner: a process per test, time limits, no
# early stop) is installed, building it from crates.io when it is not.
NEXTEST_VERSION=0.9.151
ensure_nextest() {
  if cargo nextest --version >/dev/null 2>&1; then
    return 0
  fi
  log "installing cargo-nextest $NEXTEST_VERSION (cargo install, a few minutes once)"
  cargo install --locked --quiet cargo-nextest --version "$NEXTEST_VERSION" >&2
}
