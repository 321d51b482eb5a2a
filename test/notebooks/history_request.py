"""What JupyterLab sends a kernel as a notebook opens: a history request between cells.

usage: python3 history_request.py KERNEL_NAME OUT.json   (JUPYTER_PATH names the kernel's folder)
Writes the history reply (none if the kernel did not answer) and every stream text the kernel sent.
"""
import sys
import time

from kernel_session import kernel_session


def main():
    name, out = sys.argv[1], sys.argv[2]
    with kernel_session(name, out) as (_, kc, result):
        ask_history(kc, result)


def ask_history(kc, result):
    result.update({"reply": None, "streams": []})

    def until_idle(msg_id):
        started = time.time()
        while time.time() - started < 30:
            try:
                msg = kc.get_iopub_msg(timeout=1)
            except Exception:
                continue
            if msg["msg_type"] == "stream":
                result["streams"].append(msg["content"]["text"])
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle" and msg["parent_header"].get("msg_id") == msg_id:
                return

    until_idle(kc.execute("1 + 1"))
    history_id = kc.history(hist_access_type="tail", n=10)
    started = time.time()
    while time.time() - started < 15 and result["reply"] is None:
        try:
            msg = kc.get_shell_msg(timeout=1)
        except Exception:
            continue
        if msg["parent_header"].get("msg_id") == history_id:
            result["reply"] = {"type": msg["msg_type"], **msg["content"]}
    until_idle(kc.execute("2 + 2"))


if __name__ == "__main__":
    main()
