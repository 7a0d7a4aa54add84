#!/usr/bin/env bash
# Creates .venv (or refreshes it when pyproject.toml or constraints.txt changed) and installs the
# project with the extras named in $1 (default: gui,server,dev), within the pins of constraints.txt.
# Sourced by ./run-demo and ./run-tests.
set -euo pipefail
extras="${1:-gui,server,dev}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
python="${PYTHON:-python3}"
stamp="$venv/.installed-$extras"
want="$(cat "$root/pyproject.toml" "$root/constraints.txt" | sha256sum | cut -c1-16)"
if [ ! -x "$venv/bin/python" ]; then
  echo "==> creating virtual environment in .venv"
  "$python" -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing counter-app[$extras] into .venv"
  # constraints.txt pins every package to the versions the tests last ran on (freeze-constraints.sh).
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -c "$root/constraints.txt" \
    -e "$root[$extras]" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
  "$venv/bin/python" -c "import counter_app" 
  echo "$want" > "$stamp"
fi
# Bytecode of the project's own modules, as an installed package has it, so a window starts
# without compiling its sources first (where PYTHONDONTWRITEBYTECODE is set, Python would
# otherwise compile them again at every start). Up to date, this only looks at the files.
"$venv/bin/python" -m compileall -q "$root/counter_app" "$root/supervision_server" >/dev/null || true
# The window's translations: .ts committed, .qm built here (and at first run if missing).
if [ -x "$venv/bin/pyside6-lrelease" ]; then
  for ts in "$root"/resources/i18n/*.ts; do
    qm="${ts%.ts}.qm"
    if [ ! -f "$qm" ] || [ "$ts" -nt "$qm" ]; then
      "$venv/bin/pyside6-lrelease" -silent "$ts" -qm "$qm" >/dev/null || echo "==> could not build $qm"
    fi
  done
fi
