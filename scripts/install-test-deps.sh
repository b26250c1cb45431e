#!/usr/bin/env bash
# Installs what the test suite needs beyond Node.js 20 and Python 3 on a Debian machine:
# the AWS CLI v2 and boto3 (real clients the tests drive), curl (a custom runtime written in
# shell uses it), the build tools that AWS's Node.js runtime interface client compiles with,
# and the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(awscli python3-boto3 python3-pil curl autoconf automake libtool cmake make g++)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
fi

npm install --no-audit --no-fund
(cd test/functions/node-ric && npm install --no-audit --no-fund)
