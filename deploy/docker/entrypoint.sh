#!/bin/sh
# Runs before every process of the image: the web server, `scent worker`, `scent schedule
# work` and Fly's release_command. The Laravel guide's entrypoint cached the
# configuration and fixed permissions; Django has nothing to cache, so this:
#   1. makes the writable directories under STORAGE_PATH (logs, framework, app/public),
#   2. loads the settings and runs Django's deployment checks: a missing or unsafe value
#      (APP_KEY, APP_URL, Stripe keys...) stops the machine with one line naming it,
#   3. hands over to the command with exec, so it gets SIGTERM directly.
set -eu

storage="${STORAGE_PATH:-/app/storage}"
for dir in "$storage" "$storage/app/public" "$storage/logs" "$storage/framework/cache" \
  "$storage/framework/sessions"; do
  if ! mkdir -p "$dir" 2>/dev/null || [ ! -w "$dir" ]; then
    echo "entrypoint: $dir is not writable by user $(id -u); give the volume mounted at" \
      "$storage to uid $(id -u) or set STORAGE_PATH to a writable directory" >&2
    exit 1
  fi
done

if [ "${SKIP_CONFIG_CHECK:-false}" != "true" ]; then
  # --fail-level ERROR: deployment warnings are printed but only errors stop the start.
  # The `models` and `database` checks are left out: on MySQL they connect to the server,
  # and a database outage must not stop the web machines (/up stays 200, /health says 503).
  scent check --deploy --fail-level ERROR --tag security --tag caches --tag staticfiles \
    --tag templates --tag urls --tag compatibility --tag files --tag mail --tag admin \
    --tag async_support >&2
fi

exec "$@"
