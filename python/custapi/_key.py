"""The API key, from a str, bytes or a key file, into C memory that is wiped after use.

The library copies the key into memory of its own and wipes that copy before freeing it. The
binding's own copies (the C buffer handed to the library, the file's bytes) are wiped as soon
as the client is made. A str or bytes the caller passed is the caller's: Python can't wipe an
immutable object, which is why a key file, read straight into C memory, is the better way.
"""
from __future__ import annotations

import os
import stat
import warnings

# typing only for the type checker: importing it costs every program a few ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional, Union

from ._errors import UsageError
from ._native import ffi, lib

KEY_FILE_MAX = 4096  # as the command's: a key file is small; anything bigger is the wrong file


class KeyBuffer:
    """A NUL-terminated key in C memory; wipe() clears it. Never shown by repr."""

    __slots__ = ("buf", "size")

    def __init__(self, size: int) -> None:
        self.buf = ffi.new("char[]", size + 1)
        self.size = size + 1

    def wipe(self) -> None:
        lib.custapi_py_wipe(self.buf, self.size)

    def __repr__(self) -> str:
        return "<custapi key [redacted]>"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a plain file"


def _from_file(path: "Union[str, os.PathLike[str]]") -> KeyBuffer:
    name = os.fsdecode(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as e:
        if os.path.exists(path) and stat.S_ISSOCK(os.stat(path).st_mode):
            raise UsageError("API key file %s is not a regular file (a socket): give a file"
                             % name) from None
        raise UsageError("can't open %s: %s" % (name, e.strerror)) from None
    key = KeyBuffer(KEY_FILE_MAX + 1)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UsageError("API key file %s is not a regular file (%s): give a file"
                             % (name, _kind(st.st_mode)))
        if st.st_mode & (stat.S_IRGRP | stat.S_IROTH):
            warnings.warn("API key file %.200s is readable by group or others (chmod 600 it)"
                          % name, UserWarning, stacklevel=4)
        view = ffi.buffer(key.buf, KEY_FILE_MAX + 1)
        length = 0
        while length <= KEY_FILE_MAX:
            # readv into the C buffer itself: the key never becomes a Python object.
            n = os.readv(fd, [memoryview(view)[length:]])
            if n == 0:
                break
            length += n
    except OSError as e:
        key.wipe()
        raise UsageError("can't read %s: %s" % (name, e.strerror)) from None
    except BaseException:
        key.wipe()
        raise
    finally:
        os.close(fd)
    problem = None
    if length > KEY_FILE_MAX:
        problem = "%s: larger than %d bytes" % (name, KEY_FILE_MAX)
    else:
        if length and key.buf[length - 1] == b"\n":
            length -= 1
            if length and key.buf[length - 1] == b"\r":
                length -= 1
        key.buf[length] = b"\0"
        if length == 0:
            problem = "API key file %s is empty" % name
        elif len(ffi.string(key.buf)) != length:
            problem = "API key file %s holds a NUL byte" % name
    if problem:
        key.wipe()
        raise UsageError(problem)
    return key


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
