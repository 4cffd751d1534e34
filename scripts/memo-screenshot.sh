#!/usr/bin/env bash
# Renders the two README memos as HTML in headless Chromium (Debian: apt-get install -y chromium)
# at 1280 px, writes a screenshot of each, and fails when any element is wider than the viewport
# (the page would scroll sideways; code blocks scroll inside themselves). Usage: scripts/memo-screenshot.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
build=${1:-build}
out=${2:-memo-screenshots}
bin="$build/attncost"
[ -x "$bin" ] || { echo "no attncost binary in $build"; exit 2; }
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium not found (apt-get install -y chromium)"; exit 77; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
status=0
check() {  # name, plan arguments
  local name=$1; shift
  "$bin" plan "$@" --format html -o "$out/$name.html"
  # A copy that measures itself: the widest element against the 1280 px viewport, into the DOM.
  sed 's|</body>|<script>document.body.setAttribute("data-overflow",(document.documentElement.scrollWidth>window.innerWidth?"yes ":"no ")+"page "+document.documentElement.scrollWidth+" px of "+window.innerWidth);</script></body>|' \
    "$out/$name.html" > "$out/$name.check.html"
  local dom
  dom=$("$browser" --headless --no-sandbox --disable-gpu --window-size=1280,900 --dump-dom "file://$out/$name.check.html" 2>/dev/null)
  local verdict
  verdict=$(printf '%s' "$dom" | grep -o 'data-overflow="[^"]*"' | head -1 || true)
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,6000 --screenshot="$out/$name.png" \
    "file://$out/$name.html" >/dev/null 2>&1 || true
  echo "$name: $verdict (screenshot $out/$name.png)"
  case "$verdict" in *'"no '*) ;; *) status=1 ;; esac
}
check policy_copilot --workload policy-qa:ctx=65536,batch=4,gen=1024 --require early-recall --family sparse
check multi_tenant --workload chat:ctx=8192,batch=32,gen=512,slo_ms=30 --workload doc:ctx=131072,batch=1,gen=1024 --family sparse
exit $status
