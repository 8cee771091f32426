"""`meson install` puts the package, its extension, py.typed and the stub into the
interpreter's own directory (py.get_install_dir()), where that interpreter imports it."""
import os
import subprocess
import sys

import pytest

from conftest import python_env

INSTALL_DIR = os.environ.get("CUSTAPI_PY_INSTALL_DIR")  # py.get_install_dir(), absolute
LIBDIR = os.environ.get("CUSTAPI_LIBDIR")


def test_meson_install_makes_an_importable_typed_package(tmp_path):
    meson, build = os.environ.get("MESON"), os.environ.get("BUILD_ROOT")
    if not (meson and build and INSTALL_DIR and LIBDIR):
        pytest.skip("MESON, BUILD_ROOT and the install directories come from meson")
    dest = str(tmp_path / "dest")
    subprocess.run([meson, "install", "-C", build, "--no-rebuild", "--quiet",
                    "--destdir", dest], check=True, capture_output=True)
    site = dest + INSTALL_DIR
    package = os.path.join(site, "custapi")
    names = set(os.listdir(package))
    assert {"__init__.py", "_bulk.py", "_client.py", "py.typed", "_native.pyi"} <= names
    assert any(n.startswith("_native.") and n.endswith(".so") for n in names)
    env = python_env(PYTHONPATH=site, LD_LIBRARY_PATH=dest + LIBDIR)
    code = ("import custapi; print(custapi.__file__); "
            "print(custapi.validate(country='za')['country'])")
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    where, country = p.stdout.split()
    assert where == os.path.join(package, "__init__.py") and country == "ZA"
