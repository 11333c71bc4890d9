"""The drop-in libcryptolib.so that pycolonies' native crypto loads
(``Crypto(native=True)``), shipped inside this package:

    export CRYPTOLIB=$(python -m colonies.cryptolib)

is all a pycolonies user needs for it.
"""

import os
import sys

__all__ = ["path"]


def path():
    """The absolute path of the package's libcryptolib.so."""
    lib = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libcryptolib.so")
    if not os.path.exists(lib):
        raise FileNotFoundError(f"{lib} is missing: this copy of the package was built without it")
    return lib


if __name__ == "__main__":
    try:
        print(path())
    except FileNotFoundError as e:
        sys.exit(str(e))
