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

here = os.path.dirname(os.path.abspath(__file__))
# -p no:cacheprovider: nothing written into the source tree.
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-rs", "--rootdir", here,
                      os.path.join(here, sys.argv[1])] + sys.argv[2:]))
