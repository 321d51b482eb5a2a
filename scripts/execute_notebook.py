"""Executes one notebook with the tslab kernel, then writes it signed (trusted) and as HTML.

usage: python3 execute_notebook.py NOTEBOOK.ipynb OUT.ipynb OUT.html [--timeout SECONDS]

Exit 0 on success: OUT.ipynb and OUT.html are replaced atomically. Otherwise the good copies already
there stay, the partly executed notebook goes beside them as OUT.failed.ipynb and OUT.failed.html (so
nothing computed is lost), and stderr says which notebook and code cell, and why:
  exit 1  a cell failed (its first line and the error tslab wrote) or the kernel died (killed, out of memory),
          or the report could not be written
  exit 3  the kernel did not start (it died, did not answer, or could not be launched) and no cell ran:
          running it again loses nothing
  exit 130 / 143 / 129  interrupted by SIGINT / SIGTERM / SIGHUP; the kernel is shut down first.
The kernel dies with this process (Linux's parent-death signal), and this process stops as if
interrupted when the job that started it dies, so no kernel outlives the job.
"""
import argparse
import asyncio
import atexit
import ctypes
import logging
import os
import re
import signal
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError
from nbconvert import HTMLExporter
from nbformat.sign import NotebookNotary

PR_SET_PDEATHSIG = 1
KERNEL_DID_NOT_START = 3


def die_with_parent(signum):
    """Asks Linux to send `signum` to this process when its parent dies (elsewhere: a no-op)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signum)
    except (OSError, AttributeError):
        pass


def cell_error_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
    return "".join(parts).strip() or "(the kernel gave no error text)"


def replace_atomically(path, write):
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def failed_path(path):
    base, ext = os.path.splitext(path)
    return f"{base}.failed{ext}"


def save(nb, out_ipynb, out_html):
    for path in (out_ipynb, out_html):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    NotebookNotary().sign(nb)
    replace_atomically(out_ipynb, lambda tmp: nbformat.write(nb, tmp))
    # nbconvert 7's lab template loads require.js and MathJax from a CDN; ours (scripts/nbconvert/offline) loads nothing.
    exporter = HTMLExporter(extra_template_basedirs=[os.path.join(os.path.dirname(os.path.abspath(__file__)), "nbconvert")], template_name="offline")
    html, _ = exporter.from_notebook_node(nb)
    # A link to a sibling notebook ("see 00-the-problem.ipynb") points at its report in the HTML.
    html = re.sub(r'href="(\d\d-[\w.-]+)\.ipynb(#[^"]*)?"', r'href="\1.html\2"', html)

    def write_html(tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(html)

    replace_atomically(out_html, write_html)


def save_or_say(nb, notebook, out_ipynb, out_html):
    """Saves as `save` does; when the disk refuses, says so on stderr (naming the notebook) and returns False."""
    try:
        save(nb, out_ipynb, out_html)
        return True
    except OSError as e:
        sys.stderr.write(
            f"{notebook}: its report could not be written ({e.strerror or e}: {e.filename or out_html}); "
            "free some space or set VG_REPORTS_DIR to a folder you can write, then run it again\n"
        )
        return False


def kill_kernel(client):
    """Ends the kernel's whole process group (its training workers too), if it is still there."""
    process = getattr(getattr(getattr(client, "km", None), "provisioner", None), "process", None)
    if process is not None and process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook")
    ap.add_argument("out_ipynb")
    ap.add_argument("out_html")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = ap.parse_args()

    # nbclient leaves tasks that fail after a kernel's death; their tracebacks would bury the message below.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    nb = nbformat.read(args.notebook, as_version=4)
    state = {"index": None, "signal": None}
    client = None

    # A stop kills the kernel rather than raising here: nbclient then ends as for a dead kernel, with
    # its own clean-up (an exception thrown into its event loop leaves it half shut down).
    def stop(signum, _frame):
        if state["signal"] is None:
            state["signal"] = signum
        kill_kernel(client)

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, stop)
    die_with_parent(signal.SIGTERM)
    if os.getppid() == 1:
        sys.exit(143)  # the job died before we could ask to follow it

    def take_signals(**kwargs):
        # nbclient puts its own handlers on its event loop once the kernel runs; ours replace them.
        loop = asyncio.get_event_loop()
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(s, stop, s, None)

    def on_start(cell, cell_index, **kwargs):
        state["index"] = cell_index
        take_signals()
        if state["signal"] is not None:
            kill_kernel(client)

    def on_error(cell, cell_index, **kwargs):
        # tslab answers "abort" to requests arriving within 200 ms of a failure.
        time.sleep(0.3)

    class Client(NotebookClient):
        async def async_start_new_kernel(self, **kwargs):
            # nbclient has just put its own signal handlers on the loop: ours replace them, so that a stop
            # while the kernel starts is handled like any other.
            take_signals()
            await super().async_start_new_kernel(**kwargs)

    client = Client(
        nb,
        kernel_name="tslab",
        timeout=args.timeout,
        startup_timeout=120,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.notebook))}},
        on_notebook_start=take_signals,
        on_cell_start=on_start,
        on_cell_error=on_error,
    )
    problem, code = None, 0
    try:
        # The kernel runs in a session of its own (Jupyter's choice), so it would outlive a killed job.
        client.execute(preexec_fn=lambda: die_with_parent(signal.SIGKILL))
    except Exception as e:
        if state["index"] is None:
            # No cell ran: whatever stopped the kernel's start (it died, never answered, or its command
            # is missing), the notebook can simply be run again.
            problem, code = f"{type(e).__name__}: {(str(e).splitlines() or [''])[0]}", KERNEL_DID_NOT_START
        elif isinstance(e, CellExecutionError):
            problem, code = "failed", 1
        elif isinstance(e, (DeadKernelError, AssertionError)):
            # AssertionError: nbclient's clean-up after a dead kernel can trip over its own state.
            problem, code = "was running when the kernel died (killed, or out of memory?)", 1
        else:
            raise
    # A kernel that failed to start leaves nbclient's exit-time clean-up registered over a kernel it has
    # already cleaned up (it would print a traceback at exit).
    atexit.unregister(client._cleanup_kernel)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        try:
            asyncio.get_event_loop().remove_signal_handler(s)
        except (RuntimeError, ValueError):
            pass
        signal.signal(s, signal.SIG_IGN)  # let the files be written
    kill_kernel(client)
    if state["signal"] is not None:
        name = signal.Signals(state["signal"]).name
        problem, code = f"was running when the job was interrupted ({name}); the kernel was shut down", 128 + state["signal"]

    if problem is None:
        if not save_or_say(nb, args.notebook, args.out_ipynb, args.out_html):
            return 1
        for path in (args.out_ipynb, args.out_html):
            if os.path.exists(failed_path(path)):
                os.remove(failed_path(path))
        return 0

    if not save_or_say(nb, args.notebook, failed_path(args.out_ipynb), failed_path(args.out_html)):
        return 1 if code == KERNEL_DID_NOT_START else code  # a second start would meet the same disk
    index = state["index"]
    if index is None:
        if state["signal"] is not None:
            why = f"the job was interrupted ({signal.Signals(state['signal']).name}) while the kernel started; it was shut down"
        else:
            why = f"the kernel did not start ({problem})"
        sys.stderr.write(f"{args.notebook}: {why}; no cell ran\nthe notebook, not executed, is in {failed_path(args.out_html)}\n")
        return code
    cell = nb.cells[index]
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    number = code_cells.index(index) + 1 if index in code_cells else "?"
    first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    text = f"\n{cell_error_text(cell)}" if code == 1 and problem == "failed" else ""
    sys.stderr.write(
        f"{args.notebook}: code cell {number} {problem} ({first_line}){text}\n"
        f"the partly executed notebook is in {failed_path(args.out_html)}\n"
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
