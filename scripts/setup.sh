#!/usr/bin/env bash
# Prepares this machine for the project: FashionMNIST, OpenBLAS (fast matrix products on the wasm
# backend; installed before npm, which compiles its bindings), Chromium (the tests' browser checks),
# procps (`ps`: the tests check that no process outlives a stopped job), Python's venv module, the npm
# packages, the project's Jupyter (JupyterLab 4, Notebook 7, nbclient, nbconvert: pinned in
# scripts/jupyter-requirements.txt, installed with pip into .venv/) and the tslab kernel registered for
# it. As root on Debian/Ubuntu it installs the system packages itself; otherwise it says exactly what
# to run. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(python3-venv dataset-fashion-mnist chromium libopenblas-dev procps)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    cat >&2 <<MSG
setup: these system packages are missing: ${missing[*]}
  On Debian/Ubuntu:   sudo apt-get install ${missing[*]}
  Elsewhere:          put the four FashionMNIST *-ubyte.gz files in data/fashion-mnist/
                      (or point VG_DATA_DIR at them); Chromium is only needed by the tests.
Then run this script again.
MSG
    exit 1
  fi
fi

echo "setup: installing npm packages"
if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi

bash scripts/setup-jupyter.sh
python=$(node scripts/find-python.js)
echo "setup: registering the tslab kernel for $python in .jupyter/"
node_modules/.bin/tslab install --python="$python" --binary="$PWD/scripts/tslab-kernel.js" --prefix "$PWD/.jupyter" >/dev/null
echo "setup: done (backend: $(node -e "require('tsx/cjs'); require('./lib/runtime/backend').initBackend().then(b => console.log(b))"))"
