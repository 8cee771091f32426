#!/usr/bin/env python3
"""Runs one test file of tests/python with pytest, for meson: exit 77 (skip) when the
interpreter has no pytest or the binding was not built for it."""
import os
import sys

try:
    import pytest
except ImportError:
    print("SKIP: %s has no pytest (scripts/install-deps installs python3-pytest)" % sys.executable)
    sys.exit(77)

# A sanitizer build preloads its runtime into this interpreter (tests/python/meson.build). The
# programs the tests start (the command, the server) carry the runtime of their own and must
# not get a second: only the child interpreters get it back (conftest.python_env).
if "LD_PRELOAD" in os.environ:
    os.environ["CUSTAPI_PY_PRELOAD"] = os.environ.pop("LD_PRELOAD")

here = os.path.dirname(os.path.abspath(__file__))
# -p no:cacheprovider: nothing written into the source tree.
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-rs", "--rootdir", here,
                      os.path.join(here, sys.argv[1])] + sys.argv[2:]))
