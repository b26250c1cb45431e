#!/usr/bin/env bash
# The whole test suite: build, lint and format check, the runtimes' own tests, then every
# TypeScript test file compiled under dist/.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run build
npm run lint
python3 -m unittest discover -s runtimes/python/tests
mapfile -t files < <(find dist -name '*.test.js' | sort)
node --test --test-reporter=spec "${files[@]}" runtimes/nodejs/test/
