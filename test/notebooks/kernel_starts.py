"""Starts a kernel COUNT times in a row and checks each answers, the way Jupyter starts one.

usage: python3 kernel_starts.py KERNEL_NAME COUNT STARTUP_SECONDS OUT.json   (JUPYTER_PATH names the kernel's folder)
Each start must reply to kernel_info within STARTUP_SECONDS and then run `1 + 1` within 30 s; the
kernel is then shut down. Writes {"starts": n, "failures": [{"start": i, "error": text}], "seconds": [...]}.
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel


def start_once(name, startup):
    km, kc = start_new_kernel(kernel_name=name, startup_timeout=startup)
    try:
        msg_id = kc.execute("1 + 1")
        deadline = time.time() + 30
        while True:
            reply = kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
            if reply["parent_header"].get("msg_id") == msg_id:
                if reply["content"]["status"] != "ok":
                    raise RuntimeError(f"`1 + 1` replied {reply['content']['status']}")
                return
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main():
    name, count, startup, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    result = {"starts": 0, "failures": [], "seconds": []}
    for i in range(count):
        t0 = time.time()
        try:
            start_once(name, startup)
        except Exception as e:  # any way a start can fail is what this counts
            result["failures"].append({"start": i, "error": f"{type(e).__name__}: {e}"})
        result["starts"] += 1
        result["seconds"].append(round(time.time() - t0, 2))
        with open(out, "w", encoding="utf-8") as f:
            json.dump(result, f)


if __name__ == "__main__":
    main()
