# Sourced by the CI entry points (ci/test.sh, ci/run-main.sh): strict mode, the repository root as the working
# directory ($root), the build directory ($build: $CHORD_BUILD, default build), the Debian packages installed
# (ci/setup.sh) and the default model fetched ($model, its path).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=${CHORD_BUILD:-build}
bash ci/setup.sh
model=$(bash ci/fetch-model.sh | tail -1)
