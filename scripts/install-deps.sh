#!/usr/bin/env bash
# Installs every Debian 12 package Yinxin needs to build, test and run. Idempotent.
# Set YINXIN_SKIP_APT=1 to skip (e.g. on a machine prepared by hand).
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential g++ cmake ninja-build pkg-config git ca-certificates
  # libraries (ARCHITECTURE.md "Dependencies")
  libssl-dev openssl libsqlite3-dev libcli11-dev nlohmann-json3-dev libspdlog-dev libboost1.81-dev
  # OFD packages (zip + XML)
  # (zipcmp, zipmerge, ziptool: libzip-dev's CMake package config refers to these programs)
  libzip-dev libpugixml-dev zipcmp zipmerge ziptool
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev curl wrk
  # notification tests: Python's email package decodes the mail the SMTP sink received
  python3
  # independent implementations for cross-checks (BouncyCastle via Java)
  default-jdk-headless libbcprov-java libbcpkix-java
  # LDAP publication: the OpenLDAP client library, and a real slapd + ldapsearch for the tests
  # (the tests start their own slapd on 127.0.0.1; the system one is not used)
  libldap-dev slapd ldap-utils
  # crypto-device tests: a real PKCS#11 token
  softhsm2 libp11-kit-dev
  # code style checks
  clang-format clang-tidy
  # the operator console's browser test: headless Chromium driven by playwright-core (npm ci)
  # (and a CJK font, so the zh-CN screenshots show Chinese rather than empty boxes)
  chromium nodejs fonts-wqy-microhei
)
# Debian's npm; a Node.js from elsewhere (e.g. NodeSource) brings its own and conflicts with it.
if ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(npm)
fi
if [[ "${1:-}" == "--fuzz" ]]; then
  PACKAGES+=(clang libclang-rt-14-dev)
fi

if [[ "${YINXIN_SKIP_APT:-0}" == "1" ]]; then
  echo "install-deps: skipped (YINXIN_SKIP_APT=1)"
  exit 0
fi

SUDO=""
if [[ "$(id -u)" != "0" ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
echo "install-deps: ${#PACKAGES[@]} packages present"
