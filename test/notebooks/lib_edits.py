"""A learner editing the library while a notebook's kernel is open: files saved by rename, a module added.

usage: python3 lib_edits.py KERNEL_NAME DIR OUT.json   (JUPYTER_PATH names the kernel's folder; DIR holds m.ts)
Cells, with the folder changed between them as an editor's save-by-rename or a `git pull` changes it:
import m.ts; import a module that does not exist yet (a failed lookup TypeScript then watches for);
then m.ts rewritten and files created and renamed in the folder, twice; then m.ts imported again and
the new module imported. Writes, per cell, what it printed, its errors and its reply status, and whether the
kernel was still alive at the end.
"""
import os
import sys
import time

from kernel_session import kernel_session, reply_status


def main():
    name, folder, out = sys.argv[1], sys.argv[2], sys.argv[3]
    with kernel_session(name, out, cwd=folder) as (km, kc, result):
        edit_while_open(km, kc, result, folder)


def edit_while_open(km, kc, result, folder):
    result["cells"] = {}

    def run(key, code, timeout=60):
        msg_id = kc.execute(code)
        seen = {"text": None, "status": None, "errors": []}
        started = time.time()
        while time.time() - started < timeout:
            try:
                msg = kc.get_iopub_msg(timeout=1)
            except Exception:
                if not km.is_alive():
                    break
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "stream" and msg["content"]["name"] == "stdout":
                seen["text"] = (seen["text"] or "") + msg["content"]["text"]
            elif kind == "stream" and msg["content"]["name"] == "stderr":
                seen["errors"].append(msg["content"]["text"])
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                break
        seen["status"] = reply_status(kc, msg_id, started + timeout + 5, km.is_alive)
        result["cells"][key] = seen

    def save_by_rename(file, text):
        tmp = os.path.join(folder, f".{os.path.basename(file)}.swp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, os.path.join(folder, file))

    run("first", "import { x } from './m';\nconsole.log(x);")
    run("missing", "import { y } from './later';\nconsole.log(y);")
    for value in (2, 3):
        save_by_rename("m.ts", f"export const x = {value};\n")
        save_by_rename(f"other{value}.ts", "export const z = 0;\n")
        time.sleep(1.5)
    save_by_rename("later.ts", "export const y = 'later';\n")
    time.sleep(1.5)
    run("edited", "import { x as x2 } from './m';\nconsole.log(x2);")
    run("added", "import { y as y2 } from './later';\nconsole.log(y2);")
    result["alive"] = km.is_alive()


if __name__ == "__main__":
    main()
