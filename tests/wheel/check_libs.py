"""Checks, with ldd, that every library the installed package's objects load
is one the wheel carries or one of the manylinux policy's (as auditwheel
lists them for the tag). Usage: check_libs.py PLATFORM_TAG SITE_PACKAGES"""

import glob
import json
import os
import subprocess
import sys

import auditwheel

plat, site = sys.argv[1], os.path.realpath(sys.argv[2])
policies = json.load(open(os.path.join(os.path.dirname(auditwheel.__file__), "policy", "manylinux-policy.json")))
# The policy for manylinux_2_34_x86_64 is named manylinux_2_34.
allowed = set(next(p for p in policies if plat.startswith(p["name"] + "_"))["lib_whitelist"])
carried = os.path.join(site, "libcolonies.libs")
bad = 0
for so in sorted(glob.glob(os.path.join(site, "colonies", "*.so"))):
    ours = system = 0
    for line in subprocess.run(["ldd", so], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if "=>" not in parts:
            continue  # the loader and the vDSO
        name, path = parts[0], parts[2]
        if path == "not":
            print(f"{os.path.basename(so)}: {name} is not found")
            bad += 1
        elif os.path.realpath(path).startswith(carried + os.sep):
            ours += 1
        elif name in allowed:
            system += 1
        else:
            print(f"{os.path.basename(so)} needs {name} from {path}: neither the wheel's nor in the {plat} policy")
            bad += 1
    print(f"{os.path.basename(so)}: {ours} libraries from the wheel, {system} from the {plat} set")
sys.exit(1 if bad else 0)
