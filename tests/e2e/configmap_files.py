#!/usr/bin/env python3
"""Writes out the plugin's files as Kong Ingress Controller mounts them:
packaging/gen-configmap.sh writes the ConfigMap, and each of its data keys
becomes a file of that name in OUT_DIR (flat, byte for byte). The e2e tests
install the plugin into Kong from there.

Usage: configmap_files.py REPO_ROOT OUT_DIR
Needs python3 and PyYAML (Debian: apt-get install python3-yaml).
"""
import os
import shutil
import subprocess
import sys

import yaml


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, out = sys.argv[1:3]
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)

    configmap = os.path.join(tmp, "wallarm-kong-lua.yaml")
    subprocess.run(["sh", os.path.join(root, "packaging", "gen-configmap.sh"), configmap],
                   check=True)
    with open(configmap, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    os.remove(configmap)
    data = doc.get("data") or {}
    if "handler.lua" not in data or "schema.lua" not in data:
        sys.exit(f"{configmap}: no handler.lua or schema.lua in data")
    for key, text in data.items():
        if os.path.basename(key) != key:
            sys.exit(f"{configmap}: data key {key!r} is not a plain file name")
        with open(os.path.join(tmp, key), "w", encoding="utf-8", newline="") as f:
            f.write(text)
    # Replaced whole, so a file removed from the plugin disappears here too.
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
