"""The API key, from a str, bytes or a key file, into C memory that is wiped after use.

The library copies the key into memory of its own and wipes that copy before freeing it. The
binding's own copies (the C buffer handed to the library, the file's bytes) are wiped as soon
as the client is made. A str or bytes the caller passed is the caller's: Python can't wipe an
immutable object, which is why a key file, read straight into C memory, is the better way.
"""
from __future__ import annotations

import os
import warnings

# typing only for the type checker: importing it costs every program a few ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional, Union

from ._errors import UsageError
from ._native import ffi, lib
from ._native_util import error_from, new_error


class KeyBuffer:
    """A NUL-terminated key in C memory; wipe() clears it. Never shown by repr."""

    __slots__ = ("buf", "size", "owned")

    def __init__(self, size: int) -> None:
        self.buf = ffi.new("char[]", size + 1)
        self.size = size + 1
        self.owned = False

    @classmethod
    def of_library(cls, key: Any) -> "KeyBuffer":
        """A key the library read (custapi_key_file_read): custapi_key_free wipes and frees it."""
        kb = cls.__new__(cls)
        kb.buf, kb.size, kb.owned = key, 0, True
        return kb

    def wipe(self) -> None:
        if self.owned:
            if self.buf != ffi.NULL:
                lib.custapi_key_free(self.buf)
            self.buf = ffi.NULL
        else:
            lib.custapi_py_wipe(self.buf, self.size)

    def __repr__(self) -> str:
        return "<custapi key [redacted]>"


@ffi.def_extern()
def custapi_py_key_warn(prop: Any, message: Any, payload: Any) -> None:
    warnings.warn(ffi.string(message).decode("utf-8", "replace"), UserWarning, stacklevel=5)


def _from_file(path: "Union[str, os.PathLike[str]]") -> KeyBuffer:
    """The library's own reading of a key file (custapi_key_file_read), the command's rules:
    the key goes from the file into the library's memory, never into a Python object."""
    out = ffi.new("char **")
    err = new_error()
    if lib.custapi_key_file_read(out, os.fsencode(path), lib.custapi_py_key_warn, ffi.NULL,
                                 err) < 0:
        raise error_from(err)
    return KeyBuffer.of_library(out[0])


def _from_value(api_key: Union[str, bytes, bytearray]) -> KeyBuffer:
    # Each frame that held the key drops it before an exception leaves it: a traceback shown
    # with its locals (pytest, capture_locals) must not show the key.
    try:
        if isinstance(api_key, str):
            # surrogatepass: a key that is not UTF-8 reaches the library's own check, not a
            # UnicodeEncodeError quoting the key.
            data: Any = api_key.encode("utf-8", "surrogatepass")
        elif isinstance(api_key, (bytes, bytearray)):
            data = api_key
        else:
            raise UsageError("api_key: must be str or bytes, not %s" % type(api_key).__name__)
        if len(data) == 0:
            raise UsageError("api_key is empty")
        if b"\0" in data:
            raise UsageError("api_key holds a NUL byte")
        key = KeyBuffer(len(data))
        ffi.memmove(key.buf, data, len(data))
        return key
    finally:
        api_key = data = None


def take(api_key: Optional[Union[str, bytes, bytearray]],
         api_key_file: "Optional[Union[str, os.PathLike[str]]]") -> KeyBuffer:
    try:
        if api_key is not None and api_key_file is not None:
            raise UsageError("give api_key or api_key_file, not both")
        if api_key_file is not None:
            return _from_file(api_key_file)
        if api_key is not None:
            return _from_value(api_key)
        raise UsageError("no API key: give api_key_file (or api_key)")
    finally:
        api_key = None
