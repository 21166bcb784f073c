#!/usr/bin/env bash
# Copies the front-end assets pinned in package.json from the npm registry into
# static/vendor/, where they are committed: the portal fetches nothing at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-audit --no-fund --silent
font=node_modules/@fontsource/noto-sans-thai
out=static/vendor
rm -rf "$out" && mkdir -p "$out/noto-sans-thai" "$out/htmx" "$out/chartjs"
for subset in thai latin; do
  for weight in 400 700; do
    cp "$font/files/noto-sans-thai-$subset-$weight-normal.woff2" "$out/noto-sans-thai/"
  done
done
cp "$font/LICENSE" "$out/noto-sans-thai/LICENSE"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx/"
cp node_modules/htmx.org/LICENSE "$out/htmx/LICENSE"
# Without its source-map comment: the map is not vendored, and collectstatic's manifest
# storage refuses a reference to a file that is not there.
sed '/^\/\/# sourceMappingURL=/d' node_modules/chart.js/dist/chart.umd.js > "$out/chartjs/chart.umd.js"
cp node_modules/chart.js/LICENSE.md "$out/chartjs/LICENSE.md"
echo "vendored into $out:"; find "$out" -type f | sort
