#!/usr/bin/env bash
# Installs what the test suite needs from Debian packages when missing:
# redis-server (store conformance and integration tests). Runs apt-get update
# once, only if something has to be installed.
set -euo pipefail
# Debian puts nginx and redis-server in /usr/sbin, which a non-root PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
for pkg in "$@"; do
  case "$pkg" in
    nginx) command -v nginx >/dev/null 2>&1 || need+=(nginx) ;;
    caddy) command -v caddy >/dev/null 2>&1 || need+=(caddy) ;;
    chromium) command -v chromium >/dev/null 2>&1 || need+=(chromium) ;;
    wrk) command -v wrk >/dev/null 2>&1 || need+=(wrk) ;;
    npm) command -v npm >/dev/null 2>&1 || need+=(npm) ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
