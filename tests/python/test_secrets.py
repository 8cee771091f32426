"""The key is never shown: not by repr or str, not in an exception, not in a traceback shown
with its locals; the binding's copies are wiped; a key file is held to the command's rules."""
import gc
import os
import traceback

import pytest

import custapi
from conftest import KEY, USER


def everything_shown(exc):
    """The exception and the binding's frames of its traceback, each with its locals (the
    caller's own frame holds the key it passed: that is the caller's)."""
    package = os.path.dirname(os.path.abspath(custapi.__file__)) + os.sep
    frames = [(f, n) for f, n in traceback.walk_tb(exc.__traceback__)
              if os.path.abspath(f.f_code.co_filename).startswith(package)]
    assert frames, "the exception came from the binding"
    summary = traceback.StackSummary.extract(iter(frames), capture_locals=True)
    return "".join(summary.format()) + "".join(
        traceback.format_exception_only(type(exc), exc))


def test_not_in_repr_str_or_the_objects(server, protocol):
    with custapi.Client(server.url, USER, api_key=KEY, protocol=protocol) as c:
        shown = repr(c) + str(c) + repr(vars(c)) + repr(c.update(1, sms_quota=3))
        shown += repr(c.get(1))
    assert KEY not in shown


@pytest.mark.parametrize("key", [KEY, KEY.encode()])
def test_not_in_a_traceback_with_locals(key):
    # The URL is refused after the key was taken: the key passed through every frame shown.
    with pytest.raises(custapi.UsageError) as ei:
        custapi.Client("http://example.com", USER, api_key=key)
    shown = everything_shown(ei.value)
    assert "plain" in shown or "http://" in shown
    assert KEY not in shown and "api_key = None" in shown
    with pytest.raises(custapi.UsageError) as ei:
        custapi.Client("http://127.0.0.1:1", USER, api_key=KEY + "\0x")
    shown = everything_shown(ei.value)
    assert "NUL" in shown and KEY not in shown


def test_a_server_echoing_the_key_is_redacted(start_server, protocol, tmp_path):
    # An authentication failure's exception, with the binding's frames and their locals,
    # holds neither the key nor its Basic token.
    import base64
    s = start_server()
    bad = "not-the-key-" + KEY
    with custapi.Client(s.url, USER, api_key=bad, protocol=protocol, retries=0) as c:
        with pytest.raises(custapi.AuthError) as ei:
            c.get(1)
    token = base64.b64encode(("%s:%s" % (USER, bad)).encode()).decode()
    shown = everything_shown(ei.value) + repr(ei.value) + repr(ei.value.to_dict())
    assert bad not in shown and token not in shown


def test_the_binding_wipes_its_copies(monkeypatch, server):
    from custapi import _key
    made = []
    real = _key.KeyBuffer.__init__

    def keep(self, size):
        real(self, size)
        made.append(self)

    monkeypatch.setattr(_key.KeyBuffer, "__init__", keep)
    with custapi.Client(server.url, USER, api_key=KEY) as c:
        c.get(1)
    assert made and all(bytes(_key.ffi.buffer(k.buf)) == b"\0" * k.size for k in made)
    assert repr(made[0]) == "<custapi key [redacted]>"


def test_key_file_rules(server, tmp_path):
    def client_with(text, mode=0o600):
        p = tmp_path / "k"
        p.write_bytes(text)
        p.chmod(mode)
        return custapi.Client(server.url, USER, api_key_file=str(p))

    with client_with(KEY.encode() + b"\r\n") as c:
        assert c.get(1)["id"] == 1
    with pytest.raises(custapi.UsageError, match="is empty"):
        client_with(b"\n")
    with pytest.raises(custapi.UsageError, match="holds a NUL byte"):
        client_with(b"ab\0cd")
    with pytest.raises(custapi.UsageError, match="larger than 4096 bytes"):
        client_with(b"k" * 4097)
    with pytest.warns(UserWarning, match="readable by group or others"):
        client_with(KEY.encode(), 0o644).close()
    with pytest.raises(custapi.UsageError, match="not a regular file \\(a directory\\)"):
        custapi.Client(server.url, USER, api_key_file=str(tmp_path))
    with pytest.raises(custapi.UsageError, match="can't open"):
        custapi.Client(server.url, USER, api_key_file=str(tmp_path / "missing"))
    with pytest.raises(custapi.UsageError, match="not both"):
        custapi.Client(server.url, USER, api_key=KEY, api_key_file=str(tmp_path / "k"))
    gc.collect()
