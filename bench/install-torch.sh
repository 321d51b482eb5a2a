#!/usr/bin/env bash
# Installs pip's current PyTorch into the project's venv .venv-torch/ (ignored by git), which
# `npm run bench` (and `-- --all`, `-- --both-cores`) then compares with, beside the system's PyTorch.
#
#   bash bench/install-torch.sh [pip arguments]
#
# Extra arguments go to `pip install` after ours, so they win: on a flaky network add
# `--retries 5 --timeout 30`; on Linux with PyPI, pip's default `torch` brings the CUDA libraries (GBs),
# and PyTorch's CPU wheel index (`--index-url https://download.pytorch.org/whl/cpu`) gives the CPU build.
# PYTHON names the Python to build the venv from (default python3).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv-torch"
python=${PYTHON:-python3}
start=$SECONDS

if [[ ! -x "$venv/bin/python" ]]; then
  if ! "$python" -m venv "$venv"; then
    rm -rf "$venv"
    echo "install-torch: '$python -m venv $venv' failed; on Debian/Ubuntu install the venv module (sudo apt-get install python3-venv) or name another Python: PYTHON=/path/to/python3 bash bench/install-torch.sh" >&2
    exit 1
  fi
fi
# No retries and a short timeout: where pip's index is unreachable it fails in seconds, not minutes.
if ! "$venv/bin/pip" install --retries 0 --timeout 5 torch numpy "$@"; then
  echo "install-torch: pip could not install torch into $venv (its output is above); the venv stays, so a rerun only retries pip." >&2
  echo "  On a flaky network: bash bench/install-torch.sh --retries 5 --timeout 30" >&2
  exit 1
fi
"$venv/bin/python" "$root/bench/torch_build.py"
echo "install-torch: done in $((SECONDS - start)) s; npm run bench now compares with this PyTorch too."
