#!/usr/bin/env bash
# One entry point that sets up a fresh machine and then runs the job:
#   ./run.sh demo    crawl the bundled sample portal, build the corpus, serve it with Datasette
#   ./run.sh test    lint, check the layering, run the test suite
# Set-up is idempotent: Debian packages only when missing (needs root or sudo), the venv only
# when pyproject.toml or a C source changed since the last install.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(build-essential python3-dev libmimalloc2.0 libreoffice-writer-nogui libreoffice-calc-nogui chromium chromium-driver redis-server
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

setup_python() {
  [ -x .venv/bin/python ] || python3 -m venv .venv
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
