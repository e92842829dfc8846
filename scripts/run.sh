#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install dependencies, build, and run Yinxin.
# At this stage of the project that is the version and the cryptographic self-test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
./build/release/src/cli/yinxin version
./build/release/src/cli/yinxin selftest
