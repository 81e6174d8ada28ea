#!/usr/bin/env bash
# Vendor TradingView's lightweight-charts (Apache-2.0) into the dashboard: download the pinned release
# tarball from the npm registry, check it against the sha512 pinned here AND the registry's
# dist.integrity, and write into api/dashboard/static/vendor/lightweight-charts/ the standalone
# production build (global `LightweightCharts`), its LICENSE, the upstream NOTICE and a README recording
# the version, the source and both checksums (tests/api/test_dashboard_vendor.py compares them).
# The output is committed: the dashboard never fetches anything at run time. Needs curl, tar, python3.
# To upgrade: set VERSION and INTEGRITY (the registry's `dist.integrity` for it), run, look at the
# chart (tests/web/test_chart.py saves a screenshot), commit.
set -euo pipefail

VERSION=5.3.0
INTEGRITY=sha512-w16fu2/FteUkIJdgc9G2tOCKs1fwFSqnqF8+kMgHGv0uGIfcfpEJhziSaQbML1yrkbeg4nQXV3msjmhBzhLNhw==
REGISTRY=${NPM_REGISTRY:-https://registry.npmjs.org}
BUILD=dist/lightweight-charts.standalone.production.js
# The npm package does not ship the NOTICE of github.com/tradingview/lightweight-charts; its README asks
# for that attribution notice and a link to https://www.tradingview.com/ on the page that shows a chart.
NOTICE='TradingView Lightweight Charts
Copyright (c) 2023 TradingView, Inc. https://www.tradingview.com/'

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEST=$ROOT/api/dashboard/static/vendor/lightweight-charts
TARBALL_URL=$REGISTRY/lightweight-charts/-/lightweight-charts-$VERSION.tgz
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

fail() { echo "vendor-charts: $*" >&2; exit 1; }

sri() {  # the file's Subresource-Integrity form, as npm records it: sha512-<base64>
  python3 -c 'import base64, hashlib, sys
print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"
}

curl -fsSL --max-time 60 -o "$WORK/meta.json" "$REGISTRY/lightweight-charts/$VERSION"
LISTED=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["dist"]["integrity"])' "$WORK/meta.json")
[ "$LISTED" = "$INTEGRITY" ] || fail "the registry lists $LISTED for $VERSION, this script pins $INTEGRITY"

curl -fsSL --max-time 120 -o "$WORK/package.tgz" "$TARBALL_URL"
GOT=$(sri "$WORK/package.tgz")
[ "$GOT" = "$INTEGRITY" ] || fail "the tarball's checksum is $GOT, expected $INTEGRITY: nothing written"

tar -xzf "$WORK/package.tgz" -C "$WORK" package/package.json package/LICENSE "package/$BUILD"
FOUND=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["version"], d["license"])' \
  "$WORK/package/package.json")
[ "$FOUND" = "$VERSION Apache-2.0" ] || fail "the tarball says '$FOUND', expected '$VERSION Apache-2.0'"

rm -rf "$DEST"
mkdir -p "$DEST"
cp "$WORK/package/$BUILD" "$WORK/package/LICENSE" "$DEST/"
printf '%s\n' "$NOTICE" >"$DEST/NOTICE"
FILE=$(basename "$BUILD")
FILE_SHA512=$(python3 -c 'import hashlib, sys; print(hashlib.sha512(open(sys.argv[1], "rb").read()).hexdigest())' \
  "$DEST/$FILE")
cat >"$DEST/README.md" <<EOF
# TradingView Lightweight Charts, vendored

Written by scripts/vendor-charts.sh; do not edit, run the script again.

- version: $VERSION
- licence: Apache-2.0 (LICENSE; attribution notice: NOTICE, shown with a link to https://www.tradingview.com/
  under every chart of the dashboard)
- source: $TARBALL_URL
- tarball integrity: $INTEGRITY (checked against the registry's dist.integrity and the script's pin)
- file: $FILE (the package's $BUILD, global \`LightweightCharts\`)
- file sha512: $FILE_SHA512

The standalone build bundles fancy-canvas 2.1.0 (MIT, TradingView, Inc.; its npm package ships no
licence file).
EOF
echo "vendor-charts: lightweight-charts $VERSION written to ${DEST#"$ROOT"/}"
