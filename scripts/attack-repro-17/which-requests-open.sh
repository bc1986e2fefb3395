#!/bin/sh
# Which requests for a link's page "open" it (Server-Timing lk-session/lk-challenge)? One fresh link per row.
# Usage: which-requests-open.sh <demoLink> <apiKey>
DEMO="$1"; KEY="$2"; here=$(dirname "$0")
row() {
  name="$1"; shift
  link=$(npx tsx "$here/fresh-link.ts" "$DEMO" "$KEY")
  st=$(curl -s -o /dev/null -D - "$@" "$link" | tr -d '\r' | awk 'NR==1{s=$2} tolower($0) ~ /^server-timing/{t="OPENS"} END{print s, (t?t:"-")}')
  printf '%-48s %s\n' "$name" "$st"
}
row 'plain GET (no Sec-Fetch: preview bot)'
row 'HEAD' -I
row 'Range: bytes=0-100' -H 'range: bytes=0-100'
row 'If-None-Match: *' -H 'if-none-match: *'
row 'If-None-Match: "x"' -H 'if-none-match: "x"'
row 'Sec-Fetch-Mode: cors' -H 'sec-fetch-mode: cors'
row 'Sec-Fetch-Dest: image (no mode)' -H 'sec-fetch-dest: image'
row 'navigate + Sec-Purpose: prefetch' -H 'sec-fetch-mode: navigate' -H 'sec-purpose: prefetch'
row 'navigate + Sec-Fetch-Dest: iframe (cross-site)' -H 'sec-fetch-mode: navigate' -H 'sec-fetch-dest: iframe' -H 'sec-fetch-site: cross-site'
row 'Purpose: prefetch (no Sec-Fetch)' -H 'purpose: prefetch'
row 'X-Moz: prefetch (no Sec-Fetch)' -H 'x-moz: prefetch'
row 'GET with Cache-Control: max-age=0' -H 'cache-control: max-age=0'
