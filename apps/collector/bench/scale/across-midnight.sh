#!/usr/bin/env bash
# npm run bench:scale across 00:00 UTC, when every higher interval of the bench's UTC sessions
# completes and a new session starts for every symbol at once (the slowest cycle of a day),
# under libfaketime (Debian: apt-get install faketime). The clock is moved forward, not
# stopped, so the collector, its threads and the fake provider agree. redis-server does not
# run under libfaketime (its allocator recurses into clock_gettime) and does not need to: it
# is started outside it, on the real clock.
#   bash apps/collector/bench/scale/across-midnight.sh            # 150 s, from ~130 s before midnight
#   SCALE_SECONDS=200 LEAD_SECONDS=160 bash apps/collector/bench/scale/across-midnight.sh
set -euo pipefail
lib=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1)
[ -n "$lib" ] || { echo "libfaketime is missing: apt-get install faketime" >&2; exit 1; }
wrap=$(mktemp -d)
trap 'rm -rf "$wrap"' EXIT
printf '#!/bin/sh\nunset LD_PRELOAD FAKETIME\nexec %s "$@"\n' "$(command -v redis-server)" > "$wrap/redis-server"
chmod +x "$wrap/redis-server"
now=$(date +%s)
offset=$(( (now / 86400 + 1) * 86400 - now - ${LEAD_SECONDS:-130} ))
cd "$(dirname "$0")/../../../.."
PATH="$wrap:$PATH" FAKETIME="+${offset}s" LD_PRELOAD="$lib" SCALE_SECONDS="${SCALE_SECONDS:-150}" npm run bench:scale
