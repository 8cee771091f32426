"""README.md's Python example runs as written: the first ```python block of its "## Python"
section, with the environment it reads pointing at the reference server."""
import os
import re
import subprocess
import sys

from conftest import USER, python_env

README = os.path.join(os.environ.get("CUSTAPI_SOURCE_ROOT",
                                     os.path.join(os.path.dirname(__file__), "..", "..")),
                      "README.md")


def example():
    with open(README) as f:
        text = f.read()
    section = text.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_runs_as_written(server, key_file):
    env = python_env(CUSTAPI_URL=server.url, CUSTAPI_USERNAME=USER,
               CUSTAPI_API_KEY_FILE=key_file)
    p = subprocess.run([sys.executable, "-c", example()], env=env, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    # what its comments say it prints
    assert lines[0] == "rest 200 ZA"
    assert lines[1].startswith('3 email: ') and "ann@" in lines[1]
    assert lines[2] == "0 failed"
