"""custapi.Client and the calls without a client (validate, properties)."""
from __future__ import annotations

import os
import warnings

# typing only for the type checker: importing it costs every program a few ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

from . import _key
from ._errors import InternalError, UsageError
from ._native import ffi, lib
from ._native_util import (Closing, customer_from, error_from, id_of, merge, mode_of, new_error,
                           take_json)


def _protocol(name: Any) -> int:
    """The protocol of a name, by the library's rule (rest or xmlrpc, in any case)."""
    out = ffi.new("custapi_protocol *")
    if not isinstance(name, str) or "\0" in name or lib.custapi_protocol_parse(
            out, name.encode("utf-8", "surrogatepass")) < 0:
        raise UsageError("protocol: must be rest or xmlrpc, not %.100s" % (name,))
    return int(out[0])


class ValidationWarning(UserWarning):
    """A format rule broken under lenient=True (the command's `warning:` lines)."""


@ffi.def_extern()
def custapi_py_warn(prop: Any, message: Any, payload: Any) -> None:
    warnings.warn(ffi.string(message).decode("utf-8", "replace"), ValidationWarning,
                  stacklevel=3)


def _customer_flags(allow_unknown: bool, ignore_read_only: bool) -> int:
    return ((lib.CUSTAPI_CUSTOMER_ALLOW_UNKNOWN if allow_unknown else 0)
            | (lib.CUSTAPI_CUSTOMER_IGNORE_READ_ONLY if ignore_read_only else 0))


def validate(props: Optional[Mapping[str, Any]] = None, mode: str = "partial", *,
             lenient: bool = False, allow_unknown: bool = False,
             ignore_read_only: bool = False, **more: Any) -> Dict[str, Any]:
    """The properties as an update would send them (`custapi validate`), or InvalidError."""
    customer = customer_from(merge(props, more), _customer_flags(allow_unknown, ignore_read_only))
    err = new_error()
    flags = lib.CUSTAPI_VALIDATE_LENIENT if lenient else 0
    if lib.custapi_validate(customer, mode_of(mode), flags, lib.custapi_py_warn, ffi.NULL,
                            err) < 0:
        raise error_from(err)
    out = ffi.new("char **")
    return take_json(lib.custapi_customer_to_json(out, customer), out)


def properties() -> List[Dict[str, Any]]:
    """The 18 properties, as `custapi --list-properties --output json` lists them."""
    found = []
    for i in range(lib.custapi_schema_count()):
        p = lib.custapi_schema_at(i)
        name = ffi.string(p.name)
        values = lib.custapi_schema_values(name)
        allowed = None
        if values != ffi.NULL:
            allowed = []
            while values[len(allowed)] != ffi.NULL:
                allowed.append(ffi.string(values[len(allowed)]).decode())
        is_string = p.type == lib.CUSTAPI_TYPE_STRING
        found.append({
            "name": name.decode(),
            "type": "string" if is_string else "integer",
            "rule": ffi.string(p.rule).decode(),
            "description": ffi.string(p.description).decode(),
            "required_in_strict": bool(p.required),
            "max_bytes": int(lib.custapi_schema_max_bytes(name)) if is_string else None,
            "allowed_values": allowed,
        })
    return found


class Result:
    """What an update returned: the command's JSON output of `custapi update`."""

    __slots__ = ("ok", "protocol", "id", "http_status", "attempts", "elapsed_ms", "customer",
                 "result")

    def __init__(self, id: int, fields: Dict[str, Any]) -> None:
        self.ok = True
        self.protocol: str = fields["protocol"]
        self.id = id
        self.http_status: int = fields["http_status"]
        self.attempts: int = fields["attempts"]
        self.elapsed_ms: int = fields["elapsed_ms"]
        self.customer: Optional[Dict[str, Any]] = fields["customer"]
        self.result: Optional[int] = fields["result"]

    def to_dict(self) -> Dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __repr__(self) -> str:
        return "Result(protocol=%r, id=%r, http_status=%r, attempts=%r, result=%r)" % (
            self.protocol, self.id, self.http_status, self.attempts, self.result)


def _seconds(name: str, value: Any) -> int:
    """Milliseconds of a number of seconds, by the command's rule for --timeout."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            0 < value <= 86400):
        raise UsageError("%s: not a number of seconds > 0 (at most 86400): %.100s"
                         % (name, value))
    return max(1, int(value * 1000 + 0.5))


def _text(name: str, value: Any) -> Any:
    if value is None:
        return ffi.NULL
    if not isinstance(value, (str, os.PathLike)):
        raise UsageError("%s: must be a str, not %s" % (name, type(value).__name__))
    data = os.fsencode(value) if isinstance(value, os.PathLike) else value.encode(
        "utf-8", "surrogatepass")
    if b"\0" in data:
        raise UsageError("%s: holds a NUL character" % name)
    return ffi.new("char[]", data)


class Client(Closing):
    """A client of one install over one protocol (the command's connection options).

    A context manager: `with custapi.Client(...) as c:` frees it at the end of the block. A
    client is used by one thread at a time; give each thread its own.
    """

    def __init__(self, url: str, username: str, *,
                 api_key: Optional[Union[str, bytes, bytearray]] = None,
                 api_key_file: "Optional[Union[str, os.PathLike[str]]]" = None,
                 protocol: str = "rest", timeout: float = 30, retries: int = 3,
                 xmlrpc_prefix: Optional[str] = None, cacert: Optional[str] = None,
                 insecure: bool = False, proxy: Optional[str] = None,
                 allow_plain_http: bool = False, lenient: bool = False,
                 allow_unknown: bool = False, ignore_read_only: bool = False,
                 read_back: bool = False) -> None:
        self._clients: Dict[int, Any] = {}
        self._client: Any = None
        self._bulk: Any = None
        self.url, self.username = url, username
        try:
            proto = _protocol(protocol)
        except UsageError:
            api_key = None
            raise
        self.protocol = ffi.string(lib.custapi_protocol_name(proto)).decode()
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 100:
            api_key = None
            raise UsageError("retries: not a whole number from 0 to 100: %.100s" % (retries,))
        self._customer_flags = _customer_flags(allow_unknown, ignore_read_only)
        self.read_back = read_back
        try:
            key = _key.take(api_key, api_key_file)
        finally:
            api_key = None  # a traceback shown with its locals must not show it
        try:
            keep = [_text("url", url), _text("username", username),
                    _text("xmlrpc_prefix", xmlrpc_prefix), _text("cacert", cacert),
                    _text("proxy", proxy)]
            o = ffi.new("custapi_options *")
            o.version = lib.CUSTAPI_OPTIONS_VERSION
            o.base_url, o.username, o.xmlrpc_prefix, o.cacert, o.proxy = keep
            o.api_key = key.buf
            o.timeout_ms = _seconds("timeout", timeout)
            o.retries = retries
            o.insecure = 1 if insecure else 0
            o.allow_plain_http = 1 if allow_plain_http else 0
            o.validate_flags = lib.CUSTAPI_VALIDATE_LENIENT if lenient else 0
            o.warn = lib.custapi_py_warn
            # Both protocols' clients now, while the key is at hand: compare needs the two,
            # and the key is wiped below.
            other = (lib.CUSTAPI_PROTOCOL_XMLRPC if proto == lib.CUSTAPI_PROTOCOL_REST
                     else lib.CUSTAPI_PROTOCOL_REST)
            for p in (proto, other):
                o.protocol = p
                out = ffi.new("custapi_client **")
                err = new_error()
                if lib.custapi_client_new(out, o, err) < 0:
                    raise error_from(err)
                self._clients[p] = out[0]
        except BaseException:
            self.close()
            raise
        finally:
            o = None
            key.wipe()
        self._client = self._clients[proto]

    def close(self) -> None:
        """Frees the client (the library wipes its copy of the key). Idempotent."""
        running = self._bulk() if self._bulk is not None else None
        if running is not None:
            running.close()
        clients, self._clients = self._clients, {}
        for c in clients.values():
            lib.custapi_client_free(c)
        self._client = None

    def __enter__(self) -> "Client":
        return self

    def __repr__(self) -> str:
        return "custapi.Client(%r, %r, protocol=%r)" % (self.url, self.username, self.protocol)

    def _idle(self) -> Any:
        """The C client, for a call: not when closed, nor while a bulk run uses it (a client
        is used by one thread at a time)."""
        if self._client is None:
            raise UsageError("the client is closed")
        if self._bulk is not None and self._bulk() is not None:
            raise UsageError("the client is in a bulk run: finish it, or use another client")
        return self._client

    def _fail(self, client: Any) -> Exception:
        return error_from(lib.custapi_client_last_error(client))

    def _result(self, out: Any, client: Any) -> Dict[str, Any]:
        result = ffi.gc(out[0], lib.custapi_result_free)
        text = ffi.new("char **")
        return take_json(lib.custapi_result_to_json(text, result), text)  # type: ignore

    def update(self, id: Union[int, str], props: Optional[Mapping[str, Any]] = None, *,
               mode: str = "partial", **more: Any) -> Result:
        """Updates customer `id` (`custapi update`); the GIL is released while it waits."""
        client = self._idle()
        cid = id_of(id)
        customer = customer_from(merge(props, more), self._customer_flags)
        out = ffi.new("custapi_result **")
        if lib.custapi_update(out, client, cid, customer, mode_of(mode)) < 0:
            raise self._fail(client)
        fields = self._result(out, client)
        if self.read_back and fields["customer"] is None:
            fields["customer"] = self.get(cid)
        return Result(cid, fields)

    def get(self, id: Union[int, str]) -> Dict[str, Any]:
        """The customer `id` as the server has it (`custapi get`)."""
        client = self._idle()
        out = ffi.new("custapi_result **")
        if lib.custapi_get(out, client, id_of(id)) < 0:
            raise self._fail(client)
        customer = self._result(out, client)["customer"]
        if customer is None:
            raise InternalError("the server returned no customer")
        return customer  # type: ignore

    def compare(self, id: Union[int, str], props: Optional[Mapping[str, Any]] = None, *,
                mode: str = "partial", **more: Any) -> Dict[str, Any]:
        """Applies the update over REST, restores, applies it over XML-RPC and compares
        (`custapi compare --yes`): the report, whose "agree" is False on a difference.
        It writes to the customer: the XML-RPC update is left applied."""
        self._idle()
        cid = id_of(id)
        customer = customer_from(merge(props, more), self._customer_flags)
        out = ffi.new("custapi_compare **")
        err = new_error()
        if lib.custapi_compare_run(out, self._clients[lib.CUSTAPI_PROTOCOL_REST],
                                   self._clients[lib.CUSTAPI_PROTOCOL_XMLRPC], cid, customer,
                                   mode_of(mode), err) < 0:
            raise error_from(err)
        cmp = ffi.gc(out[0], lib.custapi_compare_free)
        text = ffi.new("char **")
        return take_json(lib.custapi_compare_to_json(text, cmp), text)  # type: ignore

    def bulk(self, records: "Union[Iterable[Mapping[str, Any]], str, os.PathLike[str]]", *,
             concurrency: int = 16, results: "Optional[Union[str, os.PathLike[str]]]" = None,
             resume: bool = False, mode: str = "partial",
             format: Optional[str] = None, max_attempts: Optional[int] = None) -> "Bulk":
        """Updates many customers, `concurrency` at a time (`custapi bulk`): an iterator of
        Outcome in completion order. See docs/python.md."""
        return Bulk(self, records, concurrency=concurrency, results=results, resume=resume,
                    mode=mode, format=format, max_attempts=max_attempts)


from ._bulk import Bulk  # noqa: E402  (Bulk needs Client's module loaded first)
