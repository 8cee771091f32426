# The cffi extension built from python/build_ffi.py: its C declarations are the binding's
# contract with libcustapi and are checked by the compiler, not here.
from typing import Any

ffi: Any
lib: Any
