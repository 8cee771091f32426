"""custapi for Python: libcustapi through cffi (docs/python.md).

    import custapi
    with custapi.Client("http://127.0.0.1:8080", "demo", api_key_file="key") as c:
        c.update(42, sms_quota=500)
"""
from ._errors import (AuthError, Error, InternalError, InvalidError, NotFoundError,
                      ProtocolError, RejectedError, ServerError, TransportError, UsageError)
from ._native import lib as _lib
from ._native import ffi as _ffi
from ._client import Client, Result, ValidationWarning, properties, validate
from ._bulk import Bulk, Outcome

if _lib.custapi_global_init() < 0:  # before any thread the caller starts uses a client
    raise ImportError("custapi: the library could not be set up (libcurl)")

__version__ = _ffi.string(_lib.custapi_version()).decode()

__all__ = [
    "AuthError", "Bulk", "Client", "Error", "InternalError", "InvalidError", "NotFoundError",
    "Outcome", "ProtocolError", "RejectedError", "Result", "ServerError", "TransportError",
    "UsageError", "ValidationWarning", "properties", "validate",
]
