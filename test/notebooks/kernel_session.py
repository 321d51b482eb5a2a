"""One kernel for one test script: started, handed to the script, shut down, and what the script found written.

    with kernel_session(name, out, cwd=folder) as (km, kc, result):
        result["key"] = ...

starts the kernel KERNEL_NAME (JUPYTER_PATH names its folder), yields its manager, its client and a dict,
and on leaving shuts the kernel down and, unless the script failed, writes the dict to OUT as JSON.
"""
import contextlib
import json
import time

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


def reply_status(kc, msg_id, until, alive=lambda: True):
    """The status ("ok", "error", "abort") of the shell reply to `msg_id`, or None if none came by `until` (a time.time())."""
    while time.time() < until and alive():
        try:
            reply = kc.get_shell_msg(timeout=1)
        except Exception:
            continue
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]["status"]
    return None
