"""Fails if a compile command of the given sources names an include directory.

check_include_paths.py COMPILE_COMMANDS.json 'DIR;DIR' PREFIX...: every
command whose source file starts with one of the PREFIXes must not name
any DIR with -I or -isystem. Prints the sources it checked.
"""
import json
import os
import shlex
import sys


def main():
    commands_file, forbidden, *prefixes = sys.argv[1:]
    forbidden = {os.path.normpath(d) for d in forbidden.split(";") if d}
    with open(commands_file) as f:
        entries = json.load(f)
    checked = 0
    bad = []
    for entry in entries:
        source = os.path.normpath(entry["file"])
        if not any(source.startswith(os.path.normpath(p) + os.sep)
                   for p in prefixes):
            continue
        checked += 1
        args = entry.get("arguments") or shlex.split(entry["command"])
        for i, arg in enumerate(args):
            for flag in ("-I", "-isystem"):
                if arg == flag and i + 1 < len(args):
                    path = args[i + 1]
                elif arg.startswith(flag) and arg != flag:
                    path = arg[len(flag):]
                else:
                    continue
                if os.path.normpath(path) in forbidden:
                    bad.append(f"{source}: {flag} {path}")
    for line in bad:
        print("forbidden include path:", line)
    print(f"checked {checked} sources")
    return 1 if bad or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
