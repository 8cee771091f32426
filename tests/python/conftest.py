"""Fixtures of the Python binding's tests: reference servers on 127.0.0.1, started and always
stopped here (tests/server/interop.py starts them, as for every Python test of the project),
and the key in a 0600 file."""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
import interop  # noqa: E402

import custapi  # noqa: E402

KEY = interop.KEY
USER = interop.USER
PROTOCOLS = ("rest", "xmlrpc")


class Server:
    def __init__(self, tmp, extra):
        self.tmp = str(tmp)
        # A database in memory: a file's commit per update would time the disk, not custapi.
        self.proc, self.port = interop.start_server(self.tmp, ["--db", ":memory:"] + list(extra))
        self.url = "http://127.0.0.1:%d" % self.port

    def stop(self):
        interop.stop_server(self.proc)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def key_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("key") / "key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, (KEY + "\n").encode())
    os.close(fd)
    return str(path)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("server"), ["--seed", "1000"])
    yield s
    s.stop()


@pytest.fixture
def start_server(tmp_path):
    """start_server(*extra): a server of the test's own, e.g. with --fault http500."""
    started = []

    def start(*extra):
        d = tmp_path / ("server%d" % len(started))
        d.mkdir()
        s = Server(d, ["--seed", "1000"] + list(extra))
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture(params=PROTOCOLS)
def protocol(request):
    return request.param


@pytest.fixture
def client(server, key_file, protocol):
    with custapi.Client(server.url, USER, api_key_file=key_file, protocol=protocol,
                        retries=0) as c:
        yield c


def python_env(**extra):
    """The environment of a child interpreter that imports custapi: this one's path, and the
    sanitizer runtime this one had preloaded (run.py), if any."""
    env = dict(os.environ, **extra)
    if os.environ.get("CUSTAPI_PY_PRELOAD"):
        env["LD_PRELOAD"] = os.environ["CUSTAPI_PY_PRELOAD"]
    return env


def command(*args, stdin=None):
    """Runs the custapi command (CUSTAPI_EXE) with the test key: (exit code, stdout, stderr)."""
    exe = os.environ.get("CUSTAPI_EXE")
    if not exe:
        pytest.skip("CUSTAPI_EXE is not set (meson sets it)")
    env = dict(os.environ, CUSTAPI_API_KEY=KEY, CUSTAPI_USERNAME=USER)
    p = subprocess.run([exe] + list(args), input=stdin, capture_output=True, env=env)
    return p.returncode, p.stdout.decode(), p.stderr.decode()
