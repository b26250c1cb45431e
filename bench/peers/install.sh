#!/usr/bin/env bash
# Installs the peers of the HTTP gateway benchmark into bench/peers/node_modules, apart from
# the project's own dependencies: serverless 3.40.0 with serverless-offline 13.10.1, and
# @architect/architect 11.3.0, whose sandbox serves the @http routes of an app.arc file.
set -euo pipefail
cd "$(dirname "$0")"
npm install --no-audit --no-fund --save-exact \
  serverless@3.40.0 serverless-offline@13.10.1 @architect/architect@11.3.0
