#!/usr/bin/env bash
# Writes constraints.txt: the exact version of every package that `pip install .[gui,server,dev]`
# brings, resolved afresh in a scratch virtual environment. scripts/bootstrap.sh installs within
# these pins, so a clean clone gets the versions the tests and the bench last ran on. Run it to
# take newer releases, then run ./run-tests before committing the new file.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$python" -m venv "$scratch/venv"
"$scratch/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$root[gui,server,dev]"
{
  echo "# Exact versions for scripts/bootstrap.sh (pip install -c constraints.txt), resolved on"
  echo "# $("$scratch/venv/bin/python" -c 'import platform; print(platform.system(), platform.machine(), "Python", platform.python_version())')."
  echo "# Refresh with scripts/freeze-constraints.sh; a package missing here is installed unpinned."
  "$scratch/venv/bin/python" -m pip freeze --disable-pip-version-check --exclude counter-app | LC_ALL=C sort -f
} > "$root/constraints.txt"
echo "==> wrote $root/constraints.txt ($(grep -vc '^#' "$root/constraints.txt") packages)"
