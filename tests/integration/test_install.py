"""`make install` (docs/operations.md, "Installing"): what `cmake --install`
puts under DESTDIR and PREFIX (the binary, Swagger UI's files, a
configuration file of commented defaults that reads back, the systemd
unit, an empty data directory only its owner may enter) with their modes,
and that the installed binary starts from the installed configuration and
serves the API docs from the installed files.
"""

import os
import re
import stat
import subprocess
import time
from pathlib import Path

import pytest

import ujumbe_it as u

REPO = Path(__file__).resolve().parents[2]


def build_dir():
    binary = Path(os.environ.get("UJUMBE_BIN") or REPO / "build" / "bin" / "ujumbe")
    build = binary.resolve().parents[1]
    if not (build / "CMakeCache.txt").is_file() or not (build / "ujumbe.conf").is_file():
        pytest.skip("needs the CMake build of the binary, with its ujumbe_conf target built")
    return build


def cache_value(build, name):
    for line in (build / "CMakeCache.txt").read_text().splitlines():
        if line.startswith(name + ":"):
            return line.split("=", 1)[1]
    raise AssertionError("%s not in the CMake cache" % name)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_an_installed_server_starts_from_its_own_files(tmp_path):
    build = build_dir()
    prefix = cache_value(build, "CMAKE_INSTALL_PREFIX")
    root = tmp_path / "root"
    done = subprocess.run(["cmake", "--install", str(build)], env=dict(os.environ,
                          DESTDIR=str(root)), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    installed = set()
    for line in done.stdout.splitlines():
        m = re.match(r"-- (?:Installing|Up-to-date): (.+)$", line)
        if m:
            installed.add(Path(m.group(1)))
    under = root / prefix.lstrip("/")
    binary = under / "bin" / "ujumbe"
    assert binary in installed and mode(binary) & 0o111 == 0o111
    ui = under / "share" / "ujumbe" / "docs-ui"
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE"):
        assert (ui / name).is_file(), name
    unit = under / "lib" / "systemd" / "system" / "ujumbe.service"
    text = unit.read_text()
    for line in ("Type=notify", "Restart=on-failure", "NoNewPrivileges=yes",
                 "ProtectSystem=strict", "ReadWritePaths=/var/lib/ujumbe", "PrivateTmp=yes",
                 "CapabilityBoundingSet=\n", "ExecReload=/bin/kill -HUP $MAINPID"):
        assert line in text, line
    confs = [p for p in installed if p.name == "ujumbe.conf"]
    assert len(confs) == 1, installed
    conf = confs[0]
    assert conf.parent.name == "ujumbe" and mode(conf) == 0o640
    data_dir = re.search(r"^data_dir = (.+)$", conf.read_text(), re.M).group(1)
    assert data_dir.endswith("/lib/ujumbe")
    assert (root / data_dir.lstrip("/")).is_dir() and mode(root / data_dir.lstrip("/")) == 0o700
    # commented defaults and no secret
    assert "\n# listen = 127.0.0.1:8080\n" in conf.read_text()
    assert re.search(r"^# secret_key = $", conf.read_text(), re.M)
    for doc in ("operations.md", "configuration.md"):
        assert any(p.name == doc for p in installed), doc

    # The installed binary, from the installed file (its data directory
    # and address moved for the test), serves the API and its docs.
    env = {k: v for k, v in os.environ.items() if not k.startswith("UJUMBE_")}
    data = tmp_path / "data"
    check = subprocess.run([str(binary), "--config", str(conf), "config", "check"], env=env,
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0 and "data_dir" in check.stdout, check
    proc = subprocess.Popen([str(binary), "--config", str(conf), "--set",
                             "data_dir=%s" % data, "--set", "listen=127.0.0.1:0", "--set",
                             "log_level=warn", "serve"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not (data / "listen.addr").is_file() or not (data / "listen.addr").read_text():
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the installed server never listened"
            time.sleep(0.05)
        host, port = (data / "listen.addr").read_text().rsplit(":", 1)
        client = u.Client(host, int(port))
        assert client.request("GET", "/healthz").status == 200
        bundle = client.request("GET", "/docs/swagger-ui-bundle.js")
        assert bundle.status == 200
        assert len(bundle.raw) == (ui / "swagger-ui-bundle.js").stat().st_size
    finally:
        proc.terminate()
        proc.wait(15)
