#!/usr/bin/env python3
"""Which PyTorch build this Python imports, for the benchmarks' labels, and how to pin its threads.

Run as a script it prints one JSON line: {"version", "blas", "installer", "torchFile", "python"}.
- blas: "MKL" where torch.backends.mkl says so (pip's CPU wheels), else the BLAS library the process
  has mapped after a product (Debian's build multiplies in whatever libblas.so.3 the system selects,
  OpenBLAS here), else torch's own BLAS_INFO.
- installer: "debian" for the distribution's package (/usr/lib/python3/dist-packages), else what the
  wheel's INSTALLER file says ("pip", "uv", ...), else "python".
"""
import json
import os
import re
import sys

import torch

# Library names as they appear in /proc/self/maps, most specific first.
BLAS_LIBRARIES = [("openblas", "OpenBLAS"), ("blis", "BLIS"), ("atlas", "ATLAS"), ("libblas", "reference BLAS")]


def is_mkl():
    return torch.backends.mkl.is_available()


def linked_blas():
    a = torch.ones(64, 64)
    (a @ a).sum().item()
    try:
        with open("/proc/self/maps") as f:
            # numpy's wheel brings an OpenBLAS of its own that torch does not multiply with
            libs = [line.split()[-1].lower() for line in f if ".so" in line and "numpy" not in line]
    except OSError:
        return None
    for needle, name in BLAS_LIBRARIES:
        if any(needle in os.path.basename(lib) or f"/{needle}" in lib for lib in libs):
            return name
    return None


def blas_name():
    if is_mkl():
        return "MKL"
    found = linked_blas()
    if found:
        return found
    m = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    return m.group(1) if m else "unknown BLAS"


def installer():
    if torch.__file__.startswith("/usr/lib/python3/dist-packages/"):
        return "debian"
    try:
        from importlib.metadata import distribution

        text = distribution("torch").read_text("INSTALLER")
    except Exception:  # no metadata: a source tree on sys.path, say
        text = None
    return (text or "").strip().lower() or "python"


def set_threads(threads, blas_threads):
    """`threads` for PyTorch's own pool; an MKL build multiplies in that very pool, so it gets `blas_threads` there.

    OpenBLAS keeps a pool of its own, which OPENBLAS_NUM_THREADS sets (the caller does) and
    torch.set_num_threads does not reach; giving both pools 2 threads oversubscribes 2 cores.
    """
    torch.set_num_threads(max(threads, blas_threads) if is_mkl() else threads)


def describe():
    return {"version": torch.__version__, "blas": blas_name(), "installer": installer(), "torchFile": os.path.realpath(torch.__file__),
            "python": sys.executable}


if __name__ == "__main__":
    json.dump(describe(), sys.stdout)
    sys.stdout.write("\n")
