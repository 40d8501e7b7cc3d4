#!/bin/sh
# First start of a fresh deployment: migrate, load the bundled data and train a quick model set
# when none is registered. Every step is idempotent, so later starts pass through in seconds.
# STATMUSEPICKS_BOOTSTRAP=false skips it (compose runs it once, in the `init` service, so that
# replicas never race each other through migrations and training).
set -eu
if [ "${STATMUSEPICKS_BOOTSTRAP:-true}" = "true" ]; then
    statmusepicks db upgrade
    statmusepicks data load --if-empty
    statmusepicks train --quick --if-missing
fi
exec "$@"
