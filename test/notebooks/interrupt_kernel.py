"""Kernel > Interrupt during `vg.run`, the way Jupyter sends it: a real tslab kernel, `interrupt_kernel()`.

usage: python3 interrupt_kernel.py NOTEBOOKS_DIR OUT.json
Writes one JSON object: for each step, the reply's status and the text the cell showed (the kernel's
own output goes to stdout, so the result goes to a file).
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel


def main():
    km, kc = start_new_kernel(kernel_name="tslab", cwd=sys.argv[1], startup_timeout=120)
    result = {}

    def run(name, code, interrupt_after=None, timeout=300):
        msg_id = kc.execute(code)
        texts, started = [], time.time()
        interrupted = False
        while True:
            if interrupt_after is not None and not interrupted and time.time() - started > interrupt_after:
                km.interrupt_kernel()
                interrupted = True
            try:
                msg = kc.get_iopub_msg(timeout=0.5)
            except Exception:
                if time.time() - started > timeout:
                    raise
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            content = msg["content"]
            if msg["msg_type"] == "stream":
                texts.append(content["text"])
            elif msg["msg_type"] in ("display_data", "execute_result", "update_display_data"):
                texts.append(content["data"].get("text/plain", "")[:2000])
            elif msg["msg_type"] == "error":
                texts.append(content["ename"] + ": " + content["evalue"])
            elif msg["msg_type"] == "status" and content["execution_state"] == "idle":
                break
        reply = kc.get_shell_msg(timeout=10)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = kc.get_shell_msg(timeout=10)
        result[name] = {"status": reply["content"]["status"], "text": "".join(texts), "seconds": time.time() - started}

    try:
        run("setup", "import * as vg from './lib/index';\nconst ctx = await vg.setup();")
        run("long", "const r = await vg.run({ from: 'baseline', schedule: { epochs: 300 } });", interrupt_after=8)
        run("kept", "console.log(JSON.stringify({ epochs: r.runs[0].epochs.length, stopped: r.runs[0].stopped?.reason }));")
        run("idle", "await new Promise((resolve) => setTimeout(resolve, 6000));", interrupt_after=2)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
