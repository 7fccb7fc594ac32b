#!/usr/bin/env bash
# One entry point that sets up a fresh machine and then runs the job:
#   ./run.sh demo    crawl the bundled sample portal, build the corpus, serve it with Datasette
#   ./run.sh test    lint, check the layering, run the test suite
# Set-up is idempotent: Debian packages only when missing (needs root or sudo), the venv only
# when pyproject.toml or a C source changed since the last install.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(build-essential python3 python3-dev python3-venv libmimalloc2.0 libreoffice-writer-nogui libreoffice-calc-nogui chromium chromium-driver redis-server
              tesseract-ocr tesseract-ocr-chi-sim fonts-noto-cjk fonts-arphic-uming fonts-wqy-zenhei poppler-utils)

setup_system() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The interpreter of the venv: Debian's python3 where there is one.  Debian builds its interpreter
# with profile-guided and link-time optimisation and links libpython into it statically; a CPython
# built from source with default options (pyenv's, say, often first on PATH) needed about 8 % more
# CPU for the same corpus build (docs/scale.md, "Sixteenth session").  XXGKNB_PYTHON overrides it.
choose_python() {
  if [ -n "${XXGKNB_PYTHON:-}" ]; then echo "$XXGKNB_PYTHON"
  elif [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo /usr/bin/python3
  else echo python3; fi
}

setup_python() {
  local python home
  python="$(choose_python)"
  home="$("$python" -c 'import os, sys; print(os.path.dirname(os.path.abspath(sys._base_executable)))')"
  # A venv made from another interpreter is made again (its packages are reinstalled below).
  if [ -x .venv/bin/python ] && ! grep -qx "home = $home" .venv/pyvenv.cfg 2>/dev/null; then
    echo "Making .venv again from $python (it was made from another interpreter)"
    rm -rf .venv
  fi
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  local stamp=.venv/.xxgknb-installed
  # The C sources and setup.py's Cython modules are built by the install, so a changed one needs it too;
  # a compiled parser module whose .py changed since (an edit, a pull) is compiled again.
  if [ ! -f "$stamp" ] || [ -n "$(find pyproject.toml setup.py parsers -newer "$stamp" \( -name pyproject.toml -o -name setup.py -o -name '*.c' \) -print -quit)" ]; then
    echo "Installing the project into .venv"
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q -e '.[test,bench]'
    touch "$stamp"
  elif ! .venv/bin/python -W ignore -c 'import sys; from pathlib import Path; from parsers._compiled import stale_sources; sys.exit(1 if stale_sources(Path("parsers")) else 0)'; then
    echo "Compiling the parser modules changed since the last install"
    .venv/bin/pip install -q --no-deps -e .
  fi
}

case "${1:-}" in
  demo)
    setup_system; setup_python
    shift; exec .venv/bin/xxgknb demo "$@" ;;
  test)
    setup_system; setup_python
    shift
    .venv/bin/ruff check .
    .venv/bin/lint-imports
    exec .venv/bin/pytest -q "$@" ;;
  *)
    echo "usage: ./run.sh demo | ./run.sh test" >&2; exit 2 ;;
esac
