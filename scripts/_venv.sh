# Sourced by scripts/serve, scripts/test and the other scripts: create .venv and install the project into it
# when needed (again whenever setup.cfg or pyproject.toml changed since the last install).
VENV="${VENV:-$PWD/.venv}"
PYTHON="${PYTHON:-python3}"

ensure_venv() {
  local extras="${1:-}"
  local stamp="$VENV/.govlaw-installed${extras:+-$extras}"
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
    "$PYTHON" -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "Installing govlaw${extras:+ with [$extras]} into $VENV ..." >&2
    local log="$VENV/install.log"
    if ! { "$VENV/bin/python" -m pip install --upgrade pip && \
           "$VENV/bin/python" -m pip install -e ".${extras:+[$extras]}"; } > "$log" 2>&1; then
      tail -n 40 "$log" >&2
      echo "error: installing failed; the whole log is in $log" >&2
      return 1
    fi
    touch "$stamp"
  fi
}
