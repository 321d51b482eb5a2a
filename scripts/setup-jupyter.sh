#!/usr/bin/env bash
# Installs the project's one Jupyter stack into .venv/ with pip: the versions pinned in
# scripts/jupyter-requirements.txt (JupyterLab 4, Notebook 7, nbclient, nbconvert, ipykernel). The
# reports job, the tests, `npm run lab` and `npm run notebook` all use it. Debian has no JupyterLab
# package and its Notebook is 6.4 (2022), which is why this is pip's and not apt's.
# VG_VENV_PYTHON names the python that creates the venv (default: python3). Safe to run again: with
# every pin already installed, pip needs no network.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
requirements=scripts/jupyter-requirements.txt
log=$venv/pip-install.log
base_python=${VG_VENV_PYTHON:-python3}

if ! [[ -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
  echo "setup: creating the Python environment $venv/ (with $base_python)"
  rm -rf "$venv"
  if ! "$base_python" -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    cat >&2 <<MSG
setup: \`$base_python -m venv $venv\` failed: this python cannot create virtual environments.
  On Debian/Ubuntu:   sudo apt-get install python3-venv      (then run this script again)
  Or name another Python 3.9+ that can:   VG_VENV_PYTHON=/path/to/python3 bash scripts/setup.sh
MSG
    exit 1
  fi
fi

# Two tries. The first gives up on an unreachable index at once (a machine whose only reachable index
# is a mirror spends about 12 minutes in pip's default retries otherwise); the second is patient, for
# a network that drops a connection now and then. pip's own output goes to the log.
pip_install() {
  "$venv/bin/pip" install --disable-pip-version-check --no-input "$@" -r "$requirements" >>"$log" 2>&1
}
# Every pin already installed: nothing to ask pip (it would take ~12 s to say so).
pinned_and_installed() {
  "$venv/bin/python" - "$requirements" 2>/dev/null <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
pins = [l.split('==') for l in open(sys.argv[1]) if '==' in l and not l.startswith('#')]
try:
    sys.exit(0 if all(version(n.strip()) == v.strip() for n, v in pins) else 1)
except PackageNotFoundError:
    sys.exit(1)
PY
}
install_pinned() {
  echo "setup: installing Jupyter into $venv/ (pinned in $requirements; pip's log: $log)"
  : >"$log"
  pip_install --retries 0 --timeout 5 && return
  echo "setup: pip failed on its quick try; trying once more with retries (for a flaky network)"
  pip_install --retries 3 --timeout 30 && return
  echo "setup: pip could not install Jupyter into $venv/. Its errors:" >&2
  grep -E '^ERROR' "$log" | tail -n 6 | sed 's/^/    /' >&2
  cat >&2 <<MSG
  Check the network or your pip configuration (an index or proxy: pip config list), then run
      $venv/bin/pip install -r $requirements
  and \`bash scripts/setup.sh\` again. The full log is $log.
MSG
  exit 1
}

if pinned_and_installed; then
  echo "setup: Jupyter in $venv/ is as pinned in $requirements"
else
  install_pinned
fi
echo "setup: $("$venv/bin/python" -c 'import jupyterlab, notebook, nbclient, nbconvert; print(f"JupyterLab {jupyterlab.__version__}, Notebook {notebook.__version__}, nbclient {nbclient.__version__}, nbconvert {nbconvert.__version__}")')"
