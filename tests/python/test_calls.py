"""Every call of the binding against the reference server, over both protocols."""
import json

import pytest

import custapi
from conftest import KEY, USER, command


def test_update_returns_the_commands_result(client, protocol):
    r = client.update(7, sms_quota=17, country="za")
    assert isinstance(r, custapi.Result)
    assert (r.ok, r.protocol, r.id, r.http_status, r.attempts) == (True, protocol, 7, 200, 1)
    if protocol == "rest":
        assert r.customer["sms_quota"] == 17 and r.customer["country"] == "ZA"
        assert r.result is None
    else:
        assert r.customer is None and r.result == 7
    assert client.get(7)["sms_quota"] == 17


def test_update_takes_a_dict_and_keywords(client):
    client.update("8", {"email": "eight@example.com"}, sms_quota=8)
    got = client.get(8)
    assert (got["email"], got["sms_quota"]) == ("eight@example.com", 8)


def test_a_name_in_props_and_as_a_keyword_is_refused(client):
    with pytest.raises(custapi.UsageError, match="sms_quota: given twice"):
        client.update(8, {"sms_quota": 1}, sms_quota=2)


def test_read_back_gives_xmlrpc_the_customer(server, key_file):
    with custapi.Client(server.url, USER, api_key_file=key_file, protocol="xmlrpc",
                        read_back=True) as c:
        r = c.update(9, sms_quota=9)
    assert r.result == 9 and r.customer["sms_quota"] == 9 and r.customer["id"] == 9


def test_get_is_the_commands_customer(client, protocol, server):
    code, out, _ = command("--url", server.url, "--protocol", protocol, "get", "--id", "12")
    assert code == 0
    assert client.get(12) == json.loads(out)["customer"]


def test_strict_mode_needs_the_required_properties(client):
    with pytest.raises(custapi.InvalidError, match="strict") as e:
        client.update(3, sms_quota=1, mode="strict")
    assert e.value.exit_code == 3


def test_validate_normalises_as_the_command_does():
    assert custapi.validate({"country": "za", "sms_quota": "500"}) == {
        "sms_quota": 500, "country": "ZA"}
    code, out, _ = command("validate", "country=za", "sms_quota=500")
    assert json.loads(out)["properties"] == {"sms_quota": 500, "country": "ZA"}


def test_validate_modes_and_flags():
    with pytest.raises(custapi.InvalidError):
        custapi.validate({"sms_quota": 1}, mode="strict")
    assert custapi.validate({"sms_quota": 1}, mode="fill_required") == {"sms_quota": 1}
    with pytest.warns(custapi.ValidationWarning, match="email"):
        assert custapi.validate(email="not-an-address", lenient=True) == {
            "email": "not-an-address"}
    assert custapi.validate(nickname="x", allow_unknown=True) == {"nickname": "x"}
    assert custapi.validate(id=5, sms_quota=1, ignore_read_only=True) == {"sms_quota": 1}
    with pytest.raises(custapi.UsageError, match="mode: must be"):
        custapi.validate(sms_quota=1, mode="lax")


def test_properties_are_the_commands_list():
    code, out, _ = command("--list-properties", "--output", "json")
    listed = [p for p in json.loads(out)["properties"] if not p["read_only"]]
    for p in listed:
        del p["read_only"]
    assert custapi.properties() == listed
    assert len(listed) == 18


def test_compare_reports_agreement(server, key_file):
    with custapi.Client(server.url, USER, api_key_file=key_file) as c:
        report = c.compare(21, sms_quota=21)
    assert report["agree"] is True
    assert report["differences"] == []


def test_compare_finds_a_difference(start_server, key_file):
    s = start_server("--diverge", "xmlrpc-drops:sms_quota")
    with custapi.Client(s.url, USER, api_key_file=key_file) as c:
        report = c.compare(22, sms_quota=33)
    assert report["agree"] is False
    assert any(d["field"] == "sms_quota" for d in report["differences"])


def test_api_key_as_str_or_bytes(server, protocol):
    for key in (KEY, KEY.encode()):
        with custapi.Client(server.url, USER, api_key=key, protocol=protocol) as c:
            assert c.get(1)["id"] == 1


def test_options_by_the_commands_names(server, key_file):
    with custapi.Client(server.url + "/", USER, api_key_file=key_file, protocol="XMLRPC",
                        timeout=2.5, retries=1, xmlrpc_prefix="customers.", insecure=False,
                        proxy=None, allow_plain_http=False) as c:
        assert c.get(2)["id"] == 2
        assert c.protocol == "xmlrpc"


def test_a_closed_client_refuses_calls(server, key_file):
    c = custapi.Client(server.url, USER, api_key_file=key_file)
    c.close()
    c.close()
    with pytest.raises(custapi.UsageError, match="closed"):
        c.get(1)
