#!/usr/bin/env bash
# Installs every system package Ujumbe needs to build, run, test and benchmark
# on Debian 12, and any extra packages named as arguments (make fuzz adds
# clang). Idempotent: does nothing when everything is already present.
set -euo pipefail

packages=(
    build-essential cmake ninja-build ccache pkg-config clang-format
    libboost-dev libboost-system-dev libboost-program-options-dev
    nlohmann-json3-dev liburiparser-dev libsqlite3-dev libpq-dev
    libphonenumber-dev libhowardhinnant-date-dev libsodium-dev libssl-dev libcurl4-openssl-dev
    libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libgoogle-perftools-dev
    postgresql-15 postgresql-client-15 wrk curl python3 python3-pytest
    python3-websockets  # the realtime tests' WebSocket client
    python3-aiosmtpd openssl  # the mail tests' SMTP relay and its certificate
    python3-jsonschema  # the API tests check every answer against the OpenAPI document
    ca-certificates  # HTTPS to SMS providers checks their certificates
    libhpdf-dev  # PDF statements (libharu)
    poppler-utils  # the PDF tests read the text back (pdftotext) and render pages (pdftoppm)
    "$@"
)
# Node.js (with its npm) runs the SMPP simulator of the interop tests; a
# machine that already has a node/npm from elsewhere keeps it.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages used by the test suites live in tests/ with their own lockfile.
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$here/tests/package.json" ] && [ ! -d "$here/tests/node_modules/smpp" ]; then
    # npm ci keeps to the lockfile; an npm too old for it installs the pinned
    # versions of package.json without touching the lockfile.
    (cd "$here/tests" && { npm ci --no-audit --no-fund --silent ||
        npm install --no-audit --no-fund --silent --no-package-lock; })
fi
# Swagger UI's files, which the binary serves at /docs, live in docs-ui/
# (scripts are not run: its telemetry helper has nothing to do here).
if [ ! -f "$here/docs-ui/node_modules/swagger-ui-dist/swagger-ui-bundle.js" ]; then
    (cd "$here/docs-ui" && { npm ci --ignore-scripts --no-audit --no-fund --silent ||
        npm install --ignore-scripts --no-audit --no-fund --silent --no-package-lock; })
fi
exit 0
