"""What every call shares: errors out of the C library, customers in, JSON strings out."""
from __future__ import annotations

import json
from collections.abc import Mapping

# typing only for the type checker: importing it costs every program a few ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Optional

from ._errors import BY_EXIT_CODE, Error, InternalError
from ._native import ffi, lib

MODES = {"partial": lib.CUSTAPI_VALIDATE_PARTIAL, "strict": lib.CUSTAPI_VALIDATE_STRICT,
         "fill_required": lib.CUSTAPI_VALIDATE_FILL_REQUIRED}

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                            check_circular=False)


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
        return _ENCODER.encode(value).encode("utf-8", "surrogatepass")
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
