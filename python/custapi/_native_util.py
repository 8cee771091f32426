"""What every call shares: errors out of the C library, customers in, JSON strings out."""
from __future__ import annotations

from collections.abc import Mapping
from itertools import repeat

# typing only for the type checker: importing it costs every program a few ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional

from ._errors import BY_EXIT_CODE, Error, InternalError
from ._native import ffi, lib

MODES = {"partial": lib.CUSTAPI_VALIDATE_PARTIAL, "strict": lib.CUSTAPI_VALIDATE_STRICT,
         "fill_required": lib.CUSTAPI_VALIDATE_FILL_REQUIRED}

def _unencodable(value: Any) -> Any:
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


# JSON text as the library's parser takes it: compact, UTF-8 rather than \u escapes, no NaN.
# json's C encoder straight from _json, made once: JSONEncoder.encode makes one on every call
# (half the cost of a bulk record's line), and importing json costs every program its import of
# re (10 ms). tests/python/test_json_text.py holds the text to json.dumps's with these settings.
try:
    from _json import encode_basestring as _encode_str, make_encoder as _make_encoder
    _C_ENCODE = _make_encoder(None, _unencodable, _encode_str, None, ":", ",", False, False,
                              False)
except ImportError:  # not CPython: json itself
    _C_ENCODE = None


def _python_encode(value: Any) -> str:
    import json
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                      check_circular=False)


def encode_json(value: Any) -> str:
    """The JSON text of value."""
    if _C_ENCODE is None:
        return _python_encode(value)
    return "".join(_C_ENCODE(value, 0))


def json_lines(values: List[Any]) -> str:
    """JSON Lines of the values: encode_json's text of each, each ending in a newline. One call
    for a batch: a loop in C, not a Python call per value."""
    if _C_ENCODE is None:
        return joined_lines(list(map(_python_encode, values)))
    return joined_lines(list(map("".join, map(_C_ENCODE, values, repeat(0)))))


def joined_lines(lines: List[str]) -> str:
    """The lines, each ending in a newline (none: the empty string). `lines` is consumed."""
    if not lines:
        return ""
    lines.append("")
    return "\n".join(lines)


def error_from(err: Any) -> Error:
    """The exception of a custapi_error (a cdata pointer)."""
    category = int(err.category)
    cls = BY_EXIT_CODE.get(category, InternalError)
    message = ffi.string(err.message).decode("utf-8", "replace")
    prop = ffi.string(err.property).decode("utf-8", "replace") or None
    return cls(message, property=prop, http_status=int(err.http_status) or None,
               fault_code=int(err.fault_code) if err.has_fault_code else None)


def new_error() -> Any:
    err = ffi.new("custapi_error *")
    err.version = lib.CUSTAPI_ERROR_VERSION
    return err


def mode_of(mode: str) -> int:
    try:
        return MODES[mode]
    except (KeyError, TypeError):
        raise UsageError_("mode: must be partial, strict or fill_required, not %.100s" % (mode,))


def UsageError_(message: str) -> Error:
    return BY_EXIT_CODE[2](message)


def merge(props: Optional[Mapping[str, Any]], more: Dict[str, Any]) -> Dict[str, Any]:
    """props and the keyword properties as one dict; a name given both ways is refused."""
    if props is None:
        return more
    if not isinstance(props, Mapping):
        raise UsageError_("props: must be a dict of properties, not %s" % type(props).__name__)
    merged = dict(props)
    for name, value in more.items():
        if name in merged:
            raise UsageError_("%s: given twice (in props and as a keyword)" % name)
        merged[name] = value
    return merged


def encode(value: Any) -> bytes:
    """JSON text of a dict for the library's parser, which holds it to the command's rules
    (integers as JSON integers or canonical decimal strings, strings as strings, UTF-8). A lone
    surrogate goes through as the bytes it would be, for the library to refuse as not UTF-8."""
    try:
        return encode_json(value).encode("utf-8", "surrogatepass")
    except (TypeError, ValueError) as e:
        raise UsageError_("properties: not representable as JSON: %s" % e) from None


def customer_from(props: Dict[str, Any], flags: int) -> Any:
    """A custapi_customer (freed with the cdata) holding props, or the library's error."""
    out = ffi.new("custapi_customer **")
    if lib.custapi_customer_new(out, flags) < 0:
        raise InternalError("out of memory")
    customer = ffi.gc(out[0], lib.custapi_customer_free)
    err = new_error()
    text = encode(props)
    if lib.custapi_customer_set_json(customer, text, len(text), err) < 0:
        raise error_from(err)
    return customer


def take_json(rc: int, out: Any, err: Any = None) -> Any:
    """The JSON string a `_to_json` call handed over, parsed and released."""
    if rc < 0:
        lib.custapi_free(out[0])
        raise error_from(err) if err is not None else InternalError("out of memory")
    try:
        import json  # here, not at the top: see _C_ENCODE
        return json.loads(ffi.string(out[0]).decode("utf-8"))
    finally:
        lib.custapi_free(out[0])


def id_of(id: Any) -> int:
    """A customer id by the command's rule (a canonical decimal in 1..2147483647)."""
    if isinstance(id, bool) or not isinstance(id, (int, str)):
        raise UsageError_("id: must be an int, not %s" % type(id).__name__)
    text = str(id).encode("utf-8", "surrogatepass")
    if b"\0" in text:
        raise UsageError_("id: holds a NUL character")
    out = ffi.new("int32_t *")
    err = new_error()
    if lib.custapi_id_parse(out, text, err) < 0:
        raise error_from(err)
    return int(out[0])


class Closing:
    """A context manager (each subclass's __enter__ returns itself, typed) whose end, or
    collection, is its close()."""

    def close(self) -> None:
        raise NotImplementedError

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except BaseException:
            pass  # half made, or at interpreter exit with the module's globals gone
