#!/bin/sh
# Attack repro (issue 17): link-preview fetchers spend the page-load challenge budget (4 per link, 5 min).
# Chat apps / mail scanners fetch a shared link with a plain GET and no Sec-Fetch-* headers; each such GET
# opens the link (Server-Timing lk-session + lk-challenge). After 4 of them, the guest's real browser
# navigation (Sec-Fetch-Mode: navigate, Sec-Fetch-User: ?1, Sec-Fetch-Site: none) gets no challenge for
# 5 minutes: the one-round-trip first visit degrades to open → challenge → register (3 round trips, ~+4 s
# on slow 3G). Also each preview fetcher is handed the link's client session token.
# Usage: preview-budget.sh <instantKeyUrl of a link nobody opened yet>
LINK="$1"
for bot in Slackbot-LinkExpanding WhatsApp/2 facebookexternalhit/1.1 Microsoft-Safelinks; do
  printf '%-28s ' "$bot"; curl -s -o /dev/null -D - -A "$bot" -H 'accept-encoding: br' "$LINK" | grep -i '^server-timing' | cut -c1-60 || echo "(no server-timing)"
done
printf '%-28s ' 'guest Chrome navigation'
curl -s -o /dev/null -D - -A 'Mozilla/5.0 (Linux; Android 14) Chrome/131' -H 'sec-fetch-mode: navigate' -H 'sec-fetch-dest: document' -H 'sec-fetch-site: none' -H 'sec-fetch-user: ?1' -H 'accept-encoding: br' "$LINK" | grep -i '^server-timing' || echo "(no server-timing: the guest's first visit falls back to 3 round trips)"
