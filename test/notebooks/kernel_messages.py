"""Many outputs from one cell, the way a long `vg.run` with live progress sends them to Jupyter.

usage: python3 kernel_messages.py KERNEL_NAME COUNT SECONDS OUT.json   (JUPYTER_PATH names the kernel's folder)
Runs a cell that shows COUNT displays and COUNT prints in a row, then `1 + 1`, and writes what came
back within SECONDS: how many of each output arrived, whether each cell went idle and its reply's status.
"""
import sys
import time

from kernel_session import kernel_session, reply_status


def main():
    name, count, seconds, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    with kernel_session(name, out) as (_, kc, result):
        many_outputs(kc, result, count, seconds)


def many_outputs(kc, result, count, seconds):
    def run(key, code, timeout):
        msg_id = kc.execute(code)
        seen = {"display_data": 0, "stream": 0, "idle": False, "status": None}
        started = time.time()
        while time.time() - started < timeout:
            try:
                msg = kc.get_iopub_msg(timeout=1)
            except Exception:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "display_data":
                seen["display_data"] += 1
            elif kind == "stream":
                seen["stream"] += msg["content"]["text"].count("\n")
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                seen["idle"] = True
                break
        seen["status"] = reply_status(kc, msg_id, started + timeout + 5)
        result[key] = seen

    run("many", f'import * as tslab from "tslab";\nfor (let i = 0; i < {count}; i++) {{ tslab.display.text(`figure ${{i}}`); console.log(`line ${{i}}`); }}', seconds)
    run("after", "1 + 1", 15)


if __name__ == "__main__":
    main()
