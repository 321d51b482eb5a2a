"""Executes one notebook with the tslab kernel, then writes it signed (trusted) and as HTML.

usage: python3 execute_notebook.py NOTEBOOK.ipynb OUT.ipynb OUT.html [--timeout SECONDS]

Exit 0 on success. On a failing cell, exit 1 and print to stderr the cell's number, the first
line of its source and the error text tslab wrote (tslab reports errors on stderr, not as an
error output); the partly executed notebook is still written, so nothing computed is lost.
"""
import argparse
import os
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter
from nbformat.sign import NotebookNotary


def cell_error_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
    return "".join(parts).strip() or "(the kernel gave no error text)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook")
    ap.add_argument("out_ipynb")
    ap.add_argument("out_html")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = ap.parse_args()

    nb = nbformat.read(args.notebook, as_version=4)
    failed = {}

    def on_error(cell, cell_index, **kwargs):
        failed["index"] = cell_index
        # tslab answers "abort" to requests arriving within 200 ms of a failure.
        time.sleep(0.3)

    client = NotebookClient(
        nb,
        kernel_name="tslab",
        timeout=args.timeout,
        startup_timeout=120,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.notebook))}},
        on_cell_error=on_error,
    )
    error = None
    try:
        client.execute()
    except CellExecutionError as e:
        error = e

    os.makedirs(os.path.dirname(os.path.abspath(args.out_ipynb)), exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.out_html)), exist_ok=True)
    NotebookNotary().sign(nb)
    nbformat.write(nb, args.out_ipynb)
    html, _ = HTMLExporter().from_notebook_node(nb)
    # A link to a sibling notebook ("see 00-the-problem.ipynb") points at its report in the HTML.
    html = re.sub(r'href="(\d\d-[\w.-]+)\.ipynb(#[^"]*)?"', r'href="\1.html\2"', html)
    with open(args.out_html, "w", encoding="utf-8") as f:
        f.write(html)

    if error is not None:
        index = failed.get("index")
        cell = nb.cells[index] if index is not None else None
        code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        number = code_cells.index(index) + 1 if index in code_cells else "?"
        first_line = cell.source.strip().splitlines()[0] if cell is not None and cell.source.strip() else ""
        text = cell_error_text(cell) if cell is not None else str(error)
        sys.stderr.write(f"{args.notebook}: code cell {number} failed ({first_line})\n{text}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
