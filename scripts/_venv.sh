# Sourced by scripts/serve and scripts/test: create .venv and install the project into it when needed.
VENV="${VENV:-$PWD/.venv}"
PYTHON="${PYTHON:-python3}"

ensure_venv() {
  local extras="${1:-}"
  local stamp="$VENV/.govlaw-installed${extras:+-$extras}"
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
    "$PYTHON" -m venv "$VENV"
  fi
  # Reinstall when the package definition changed since the last install.
  if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".${extras:+[$extras]}"
    touch "$stamp"
  fi
}
