"""One exception class per category, each with the command's message and details."""
import json

import pytest

import custapi
from conftest import USER, command

CLASSES = {
    "usage": (custapi.UsageError, 2), "invalid": (custapi.InvalidError, 3),
    "auth": (custapi.AuthError, 4), "not_found": (custapi.NotFoundError, 5),
    "rejected": (custapi.RejectedError, 6), "transport": (custapi.TransportError, 7),
    "server": (custapi.ServerError, 8), "protocol": (custapi.ProtocolError, 9),
    "internal": (custapi.InternalError, 11),
}


def test_the_classes_are_the_commands_categories():
    for category, (cls, code) in CLASSES.items():
        assert issubclass(cls, custapi.Error)
        assert (cls.category, cls.exit_code) == (category, code)


def same_as_command(e, url, protocol, *args, key_file=None):
    """The exception says what the command says: its category and its stderr line."""
    opts = ["--url", url, "--protocol", protocol, "--retries", "0"]
    if key_file:
        opts += ["--api-key-file", key_file]
    code, out, err = command(*(opts + list(args)))
    assert code == e.exit_code
    printed = json.loads(out)["error"]
    assert printed == e.to_dict()
    assert err.strip() == "custapi: " + e.message
    assert str(e) == e.message


def check(exc_info, cls):
    e = exc_info.value
    assert type(e) is cls
    return e


def test_usage(server, key_file):
    with pytest.raises(custapi.UsageError) as ei:
        custapi.Client("http://example.com", USER, api_key_file=key_file)
    e = check(ei, custapi.UsageError)
    same_as_command(e, "http://example.com", "rest", "get", "--id", "1")
    with pytest.raises(custapi.UsageError, match="protocol: must be rest or xmlrpc, not soap"):
        custapi.Client(server.url, USER, api_key_file=key_file, protocol="soap")
    with pytest.raises(custapi.UsageError, match="retries: not a whole number"):
        custapi.Client(server.url, USER, api_key_file=key_file, retries=101)
    with pytest.raises(custapi.UsageError, match="timeout: not a number of seconds"):
        custapi.Client(server.url, USER, api_key_file=key_file, timeout=0)
    with pytest.raises(custapi.UsageError, match="no API key"):
        custapi.Client(server.url, USER)


def test_invalid(client, server, protocol):
    with pytest.raises(custapi.InvalidError) as ei:
        client.update(1, email="a@")
    e = check(ei, custapi.InvalidError)
    assert e.property == "email" and e.http_status is None and e.fault_code is None
    same_as_command(e, server.url, protocol, "update", "--id", "1", "email=a@")
    with pytest.raises(custapi.InvalidError) as ei:
        client.update(0, sms_quota=1)
    same_as_command(ei.value, server.url, protocol, "update", "--id", "0", "sms_quota=1")
    with pytest.raises(custapi.InvalidError, match="sms_quota"):
        client.update(1, sms_quota=1.5)  # a float is never an integer, as in --json


def test_auth(server, protocol, tmp_path):
    bad = tmp_path / "bad"
    bad.write_text("wrong-key\n")
    bad.chmod(0o600)
    with custapi.Client(server.url, USER, api_key_file=str(bad), protocol=protocol,
                        retries=0) as c:
        with pytest.raises(custapi.AuthError) as ei:
            c.get(1)
    e = check(ei, custapi.AuthError)
    assert e.http_status == 401 or e.fault_code is not None
    same_as_command(e, server.url, protocol, "get", "--id", "1", key_file=str(bad))


def test_not_found(client, server, protocol):
    with pytest.raises(custapi.NotFoundError) as ei:
        client.get(999999)
    e = check(ei, custapi.NotFoundError)
    if protocol == "xmlrpc":
        assert e.fault_code == 404
    same_as_command(e, server.url, protocol, "get", "--id", "999999")


def test_rejected(client, server, protocol):
    with pytest.raises(custapi.RejectedError) as ei:
        client.update(5, hash="0000000000000000")
    e = check(ei, custapi.RejectedError)
    assert e.http_status == 422 or e.fault_code == 422
    same_as_command(e, server.url, protocol, "update", "--id", "5", "hash=0000000000000000")


def test_transport(protocol, key_file, start_server):
    s = start_server()
    url = s.url
    s.stop()  # nothing listens there now
    with custapi.Client(url, USER, api_key_file=key_file, protocol=protocol, retries=0) as c:
        with pytest.raises(custapi.TransportError) as ei:
            c.get(1)
    same_as_command(check(ei, custapi.TransportError), url, protocol, "get", "--id", "1")


def test_server(protocol, key_file, start_server):
    s = start_server("--fault", "http500")
    with custapi.Client(s.url, USER, api_key_file=key_file, protocol=protocol, retries=0) as c:
        with pytest.raises(custapi.ServerError) as ei:
            c.get(1)
    e = check(ei, custapi.ServerError)
    assert e.http_status == 500
    same_as_command(e, s.url, protocol, "get", "--id", "1")


def test_protocol(protocol, key_file, start_server):
    s = start_server("--fault", "badjson" if protocol == "rest" else "badxml")
    with custapi.Client(s.url, USER, api_key_file=key_file, protocol=protocol, retries=0) as c:
        with pytest.raises(custapi.ProtocolError) as ei:
            c.get(1)
    same_as_command(check(ei, custapi.ProtocolError), s.url, protocol, "get", "--id", "1")


def test_internal_when_the_results_file_cant_be_written(client):
    # /dev/full takes the file open and refuses every write: the library's `internal`.
    with pytest.raises(custapi.InternalError) as ei:
        for _ in client.bulk([{"id": 1, "sms_quota": 1}], results="/dev/full"):
            pass
    e = check(ei, custapi.InternalError)
    assert "/dev/full" in e.message and e.exit_code == 11
