#!/usr/bin/env bash
# A plain shell runner (Jenkins, GitLab CI, cron, a laptop): install hlssim into a fresh virtual
# environment, judge every experiment's expectations in their quick form, and leave the JUnit
# report and the runs in ./check-artefacts/ for the CI system to keep and display.
# Exit code: 0 every expectation passed, 1 some expectation failed, 2 a bad spec or argument.
set -euo pipefail
cd "$(dirname "$0")/../.."            # the checkout (this file lives in docs/ci/)
ARTEFACTS=${ARTEFACTS:-check-artefacts}
python3 -m venv .venv-check
.venv-check/bin/pip install --quiet -e .
mkdir -p "$ARTEFACTS"
.venv-check/bin/hlssim check experiments/ --quick --junit "$ARTEFACTS/report.xml" \
    --out "$ARTEFACTS/runs"
