"""Checks that the committed exports of current PyTorch are what
export_current_pytorch.py writes: every file the manifest lists has its
sha256 and no other file is there, the generator's sources are those that
wrote them, and the manifest's versions are the pinned ones.

    check_current_pytorch_manifest.py DIR

DIR holds the exports and MANIFEST.json. Prints one line; exit status 1,
with what differs and the command to run, on any difference.
"""

import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RERUN = ("rerun scripts/export-current-pytorch.sh (it installs the pinned "
         "PyTorch) and commit what it writes")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def pinned_versions():
    pins = {}
    with open(os.path.join(HERE, "current-pytorch-requirements.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if "==" in line:
                name, version = line.split("==", 1)
                pins[name.strip().lower()] = version.strip()
    return pins


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    manifest = json.load(open(os.path.join(root, "MANIFEST.json")))
    problems = []
    for source, digest in sorted(manifest["generator"].items()):
        path = os.path.join(HERE, source)
        if not os.path.exists(path):
            problems.append("generator source %s is gone" % source)
        elif sha256(path) != digest:
            problems.append("generator source %s changed since the exports "
                            "were written" % source)
    pins = pinned_versions()
    for package, version in sorted(manifest["versions"].items()):
        # torch reports its build as a local version (2.15.0+cu132).
        if pins.get(package, "").split("+")[0] != version.split("+")[0]:
            problems.append("written with %s %s, pinned %s"
                            % (package, version, pins.get(package, "none")))
    listed = manifest["files"]
    present = set()
    for base, _, names in os.walk(root):
        for name in names:
            rel = os.path.relpath(os.path.join(base, name), root)
            rel = rel.replace(os.sep, "/")
            if rel != "MANIFEST.json":
                present.add(rel)
    for rel in sorted(present - set(listed)):
        problems.append("%s is not in the manifest" % rel)
    for rel, digest in sorted(listed.items()):
        if rel not in present:
            problems.append("%s is missing" % rel)
        elif sha256(os.path.join(root, rel)) != digest:
            problems.append("%s was edited" % rel)
    if problems:
        for problem in problems:
            print("FAIL  %s" % problem)
        print("current-pytorch manifest: %d differences; %s"
              % (len(problems), RERUN))
        sys.exit(1)
    print("current-pytorch manifest: %d files and %d generator sources as "
          "written" % (len(listed), len(manifest["generator"])))


if __name__ == "__main__":
    main()
