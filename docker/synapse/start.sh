#!/bin/sh
# `generate` writes /data/homeserver.yaml for SYNAPSE_SERVER_NAME (as the official image does);
# with no argument Synapse runs on that config, listening on 0.0.0.0:8008.
set -eu
if [ "${1:-}" = generate ]; then
    exec python3 -m synapse.app.homeserver --generate-config \
        --server-name "${SYNAPSE_SERVER_NAME:?set SYNAPSE_SERVER_NAME}" \
        --report-stats "${SYNAPSE_REPORT_STATS:-no}" \
        --open-private-ports \
        --config-path /data/homeserver.yaml --data-directory /data
fi
[ $# -gt 0 ] && exec "$@"
exec python3 -m synapse.app.homeserver --config-path /data/homeserver.yaml
