#!/usr/bin/env bash
# Rebuilds the plotly.js the app serves: assessment/static/vendor/plotly-custom-<version>.min.js,
# only the trace types listed in tools/plotly-bundle/index.js. Needs node (20 or later) and npm.
#
#     tools/build_plotly.sh
#
# plotly.js and esbuild are pinned in tools/plotly-bundle/package-lock.json: the same
# lockfile gives the same bytes. To move to another plotly.js, change its version in
# tools/plotly-bundle/package.json, run `npm install --ignore-scripts` there, then this.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
bundle="$here/plotly-bundle"
vendor="$(dirname "$here")/assessment/static/vendor"
mkdir -p "$vendor"

cd "$bundle"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

version="$(node -p 'require("plotly.js/package.json").version')"
traces="$(node -e '
  const src = require("fs").readFileSync("index.js", "utf8");
  const names = [...src.matchAll(/plotly\.js\/lib\/(\w+)/g)].map(m => m[1]).filter(n => n !== "core");
  console.log(["scatter", ...names].join(", "));
')"
# plotly.js's own notice, as its dist files carry it.
copyright="$(grep -m1 '^\* Copyright' node_modules/plotly.js/dist/plotly.min.js)"
out="$vendor/plotly-custom-$version.min.js"
tmp="$(mktemp "$vendor/.plotly-build.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

# The settings of plotly.js's own esbuild-config.js, less its plugins: the GLSL and CSS
# ones serve only the WebGL and map traces (the one CSS import left is maplibre's, hence
# the empty loader), and the environment one is the NODE_DEBUG define.
./node_modules/.bin/esbuild index.js \
    --bundle --minify --format=iife --global-name=Plotly --target=es2016 \
    --define:global=window --define:define.amd=false --define:process.env.NODE_DEBUG=false \
    --loader:.css=empty --legal-comments=eof --log-level=warning \
    --banner:js="/**
* plotly.js (custom: $traces - minified) v$version
$copyright
* All rights reserved.
* Licensed under the MIT license
* Built by tools/build_plotly.sh from tools/plotly-bundle/index.js
*/" \
    --outfile="$tmp"

rm -f "$vendor"/plotly-custom-*.min.js
mv "$tmp" "$out"
chmod 644 "$out"
trap - EXIT
echo "$out: $(wc -c < "$out") bytes, $(gzip -9c "$out" | wc -c) gzipped"
