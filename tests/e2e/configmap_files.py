#!/usr/bin/env python3
"""Runs end-to-end tests with the plugin taken from the generated ConfigMap
instead of the source tree: packaging/gen-configmap.sh writes the ConfigMap,
its data keys are written out as files (as Kubernetes mounts them, flat), and
the e2e driver installs the plugin from that directory alone
(WALLARM_E2E_PLUGIN_DIRS).

Usage: run_from_configmap.py REPO_ROOT WORK_DIR E2E_TESTS [doctest options...]
Needs python3 and PyYAML (Debian: apt-get install python3-yaml).
"""
import os
import re
import shutil
import subprocess
import sys

import yaml


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    root, work, driver = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    mount = os.path.join(work, "kong-lua")
    os.makedirs(mount)

    configmap = os.path.join(work, "wallarm-kong-lua.yaml")
    subprocess.run(["sh", os.path.join(root, "packaging", "gen-configmap.sh"), configmap],
                   check=True)
    with open(configmap, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    data = doc.get("data") or {}
    if "handler.lua" not in data or "schema.lua" not in data:
        sys.exit(f"{configmap}: no handler.lua or schema.lua in data")
    for key, text in data.items():
        if os.path.basename(key) != key:
            sys.exit(f"{configmap}: data key {key!r} is not a plain file name")
        with open(os.path.join(mount, key), "w", encoding="utf-8", newline="") as f:
            f.write(text)
    print(f"plugin files from the ConfigMap: {', '.join(sorted(data))}", flush=True)

    # A filter that matches nothing would pass vacuously: every pattern given
    # to --test-case must select at least one case.
    patterns = [p for a in sys.argv[4:] if a.startswith("--test-case=")
                for p in a.split("=", 1)[1].split(",")]
    for p in patterns:
        listed = subprocess.run([driver, "--list-test-cases", "--test-case=" + p],
                                capture_output=True, text=True).stdout
        m = re.search(r"passing the current filters:\s*(\d+)", listed)
        if not m or int(m.group(1)) == 0:
            sys.exit(f"run_from_configmap.py: no e2e test case matches {p!r}")

    env = dict(os.environ, WALLARM_E2E_PLUGIN_DIRS=mount)
    return subprocess.run([driver] + sys.argv[4:], env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
