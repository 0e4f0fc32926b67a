# Sourced by scripts/serve, scripts/test and the other scripts: create .venv and install the project into it
# when needed (again whenever setup.cfg, pyproject.toml or the lock file changed since the last install).
#
# Every dependency comes at the exact version and hash of requirements/serve.txt (requirements/test.txt with the
# test extra; scripts/lock makes both), from the package index, or with GOVLAW_WHEELHOUSE=DIR from that folder
# alone, with no network (scripts/wheelhouse makes it). What pip does is shown as it happens, and kept in
# .venv/install.log.
VENV="${VENV:-$PWD/.venv}"
PYTHON="${PYTHON:-python3}"

ensure_venv() {
  local extras="${1:-}"
  local lock="requirements/${extras:-serve}.txt"
  local stamp="$VENV/.govlaw-installed${extras:+-$extras}"
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
    "$PYTHON" -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
    local log="$VENV/install.log" status="$VENV/.install-status"
    local from=() pipenv=()
    if [ -n "${GOVLAW_WHEELHOUSE:-}" ]; then
      # That folder and nothing else: no index, and none of the machine's pip settings (their find-links).
      from=(--no-index --find-links "$GOVLAW_WHEELHOUSE")
      pipenv=(env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null)
      echo "Installing govlaw${extras:+ with [$extras]} into $VENV from $lock, offline from $GOVLAW_WHEELHOUSE ..." >&2
    else
      echo "Installing govlaw${extras:+ with [$extras]} into $VENV from $lock (exact versions, checked by hash) ..." >&2
    fi
    # The project itself last, without its dependencies (the lock has them) and with the build tools the lock
    # installed, so that nothing is fetched that the lock does not name.
    {
      "${pipenv[@]}" "$VENV/bin/python" -m pip install --disable-pip-version-check "${from[@]}" --require-hashes \
        -r "$lock" && \
      "${pipenv[@]}" "$VENV/bin/python" -m pip install --disable-pip-version-check "${from[@]}" --no-deps \
        --no-build-isolation -e "."
      echo "$?" > "$status"
    } 2>&1 | tee "$log" | _install_progress
    if [ "$(cat "$status" 2>/dev/null)" != 0 ]; then
      tail -n 20 "$log" >&2
      echo "error: installing failed; the whole log is in $log" >&2
      return 1
    fi
    touch "$stamp"
  fi
}

# One line per package as pip collects and installs them, and pip's errors; the rest goes to the log only.
_install_progress() {
  local n=0 line
  while IFS= read -r line; do
    case "$line" in
      Collecting*|Processing*|Obtaining*) n=$((n + 1)); printf '  [%3d] %s\n' "$n" "${line#* }" >&2 ;;
      "Installing collected packages"*) echo "  installing ${n} packages ..." >&2 ;;
      "Successfully installed"*) echo "  $line" >&2; n=0 ;;
      Successfully*|ERROR*|error*) echo "  $line" >&2 ;;
    esac
  done
}
