"""One kernel for one test script: started, handed to the script, shut down, and what the script found written.

    with kernel_session(name, out, cwd=folder) as (km, kc, result):
        result["key"] = ...

starts the kernel KERNEL_NAME (JUPYTER_PATH names its folder), yields its manager, its client and a dict,
and on leaving shuts the kernel down and, unless the script failed, writes the dict to OUT as JSON.
"""
import contextlib
import json

from jupyter_client.manager import start_new_kernel


@contextlib.contextmanager
def kernel_session(name, out, **start):
    km, kc = start_new_kernel(kernel_name=name, startup_timeout=120, **start)
    result = {}
    try:
        yield km, kc, result
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f)
