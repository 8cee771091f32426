"""The JSON text the binding hands the library (a customer's properties, a bulk record's line)
is json.dumps's with the settings the library's parser is written for: compact, UTF-8 rather
than \\u escapes, no NaN. The binding calls json's C encoder directly (custapi/_native_util.py);
this holds its text, and its errors, to json's own."""
import json
import math

import pytest

from conftest import python_env
from custapi import _native_util

VALUES = [
    {"id": 1, "sms_quota": 500},
    {"email": "ana@example.com", "first_name": "Zo\u00eb", "last_name": "\u5c71\u7530"},
    {"note": "quote \" backslash \\ newline \n tab \t nul \u0000 \u2028 \ud800 \U0001f600"},
    {"n": -0.0, "f": 1e300, "g": 2.5, "t": True, "u": None, "l": [1, [2, {"x": []}]]},
    {"big": 2 ** 80, "neg": -(2 ** 63)},
    {},
]


@pytest.mark.parametrize("value", VALUES)
def test_the_text_is_json_dumps_with_the_librarys_settings(value):
    expected = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    assert _native_util.encode_json(value) == expected
    assert json.loads(_native_util.encode_json(value)) == value


def test_the_c_encoder_is_the_one_in_use():
    assert _native_util._C_ENCODE is not None  # CPython: json's C encoder, not the fallback


def test_json_lines_is_a_line_per_value():
    text = _native_util.json_lines(VALUES)
    assert text.endswith("\n") and text.count("\n") == len(VALUES)
    # split on "\n" alone: U+2028 stays raw in the text, and str.splitlines would split there
    assert [json.loads(line) for line in text.split("\n")[:-1]] == VALUES
    assert _native_util.json_lines([]) == ""


@pytest.mark.parametrize("value, error", [
    ({"x": {1}}, "Object of type set is not JSON serializable"),
    ({"x": b"bytes"}, "Object of type bytes is not JSON serializable"),
    ({"x": math.nan}, "Out of range float values are not JSON compliant"),
    ({"x": math.inf}, "Out of range float values are not JSON compliant"),
])
def test_what_json_refuses_is_refused_with_its_words(value, error):
    with pytest.raises((TypeError, ValueError)) as ours:
        _native_util.encode_json(value)
    with pytest.raises((TypeError, ValueError)) as theirs:
        json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value).startswith(error) and str(theirs.value).startswith(error)


def test_importing_custapi_does_not_import_json():
    """json's import costs every program its import of re: the binding leaves it until a call
    parses JSON."""
    import subprocess
    import sys
    code = "import sys, custapi; print(sorted(m for m in ('json', 're') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=python_env()).stdout
    assert out.strip() == "[]"
