"""The Debian package (`make deb`, docs/operations.md, "The Debian
package"): built by CPack from the test build, installed with `dpkg -i` on
this machine, checked (files, modes, owners, the system user, the
conffile), started as its user from /etc/ujumbe/ujumbe.conf, installed
again over itself, then purged: the program and configuration go, the
data directory with a database in it stays.

It changes the machine (/usr/bin, /etc, /var/lib, a system user), so it
runs only as root, on the SQLite pass (the PostgreSQL pass runs beside it),
and only where no ujumbe is installed; it undoes what it did.
"""

import grp
import os
import pwd
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest

import ujumbe_it as u

REPO = Path(__file__).resolve().parents[2]
DATA = Path("/var/lib/ujumbe")
CONF = Path("/etc/ujumbe/ujumbe.conf")


def run(*args, timeout=180):
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, "%s: %s%s" % (" ".join(args), done.stdout, done.stderr)
    return done.stdout


def package_build_dir():
    binary = Path(os.environ.get("UJUMBE_BIN") or REPO / "build" / "bin" / "ujumbe")
    build = binary.resolve().parents[1]
    if not (build / "CPackConfig.cmake").is_file():
        pytest.skip("needs the CMake build of the binary (its CPackConfig.cmake)")
    for line in (build / "CMakeCache.txt").read_text().splitlines():
        if line.startswith("CMAKE_INSTALL_PREFIX:") and line.split("=", 1)[1] != "/usr":
            pytest.skip("the package is built with CMAKE_INSTALL_PREFIX=/usr (make deb, make "
                        "test configure it so)")
    return build


@pytest.fixture
def machine():
    if os.environ.get("UJUMBE_TEST_ENGINE", "sqlite").strip().lower() == "postgres":
        pytest.skip("installs on this machine: the SQLite pass does it, once")
    if os.geteuid() != 0:
        pytest.skip("dpkg -i needs root")
    if shutil.which("dpkg") is None:
        pytest.skip("not a Debian machine")
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "ujumbe"], capture_output=True,
                            text=True)
    if "installed" in status.stdout or Path("/usr/bin/ujumbe").exists() or CONF.parent.exists() \
            or DATA.exists():
        pytest.skip("an ujumbe is already installed here; the test will not touch it")
    had_user = _user_exists()
    yield
    subprocess.run(["dpkg", "--purge", "ujumbe"], capture_output=True)
    shutil.rmtree(DATA, ignore_errors=True)
    shutil.rmtree(CONF.parent, ignore_errors=True)
    if not had_user and _user_exists():
        subprocess.run(["userdel", "ujumbe"], capture_output=True)


def _user_exists():
    try:
        pwd.getpwnam("ujumbe")
        return True
    except KeyError:
        return False


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def owner(path):
    st = path.stat()
    return pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name


def start_installed_server():
    """/usr/bin/ujumbe as the ujumbe user from the installed file, on a
    free port (the file says 127.0.0.1:8080)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UJUMBE_")}
    listen_file = DATA / "listen.addr"
    proc = subprocess.Popen(["setpriv", "--reuid=ujumbe", "--regid=ujumbe", "--init-groups",
                             "/usr/bin/ujumbe", "--config", str(CONF), "--set",
                             "listen=127.0.0.1:0", "--set", "log_level=warn", "serve"],
                            env=env, cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not listen_file.is_file() or not listen_file.read_text():
        if proc.poll() is not None:
            raise AssertionError("the packaged server stopped: %s" % proc.stderr.read())
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("the packaged server never listened")
        time.sleep(0.05)
    host, port = listen_file.read_text().rsplit(":", 1)
    return proc, u.Client(host, int(port))


def test_the_package_installs_starts_reinstalls_and_purges(machine, tmp_path):
    build = package_build_dir()
    out = tmp_path / "packages"
    run("cpack", "-G", "DEB", "--config", str(build / "CPackConfig.cmake"), "-B",
        str(tmp_path / "cpack"), "-D", "CPACK_OUTPUT_FILE_PREFIX=%s" % out)
    debs = list(out.glob("ujumbe_*.deb"))
    assert len(debs) == 1, debs
    deb = str(debs[0])
    info = run("dpkg-deb", "--field", deb, "Package", "Depends", "Section")
    assert "Package: ujumbe" in info and "libsqlite3" in info and "libpq5" in info

    run("dpkg", "-i", deb)
    assert "install ok installed" in run("dpkg-query", "-W", "-f=${Status}", "ujumbe")
    binary = Path("/usr/bin/ujumbe")
    assert mode(binary) == 0o755 and owner(binary) == ("root", "root")
    user = pwd.getpwnam("ujumbe")
    assert user.pw_uid < 1000 and user.pw_dir == str(DATA)
    assert user.pw_shell.endswith("nologin")
    assert mode(DATA) == 0o700 and owner(DATA) == ("ujumbe", "ujumbe")
    assert mode(CONF) == 0o640 and owner(CONF) == ("root", "ujumbe")
    assert "data_dir = /var/lib/ujumbe" in CONF.read_text()
    assert "# secret_key = \n" in CONF.read_text()
    assert str(CONF) in Path("/var/lib/dpkg/info/ujumbe.conffiles").read_text()
    unit = Path("/usr/lib/systemd/system/ujumbe.service").read_text()
    assert "Type=notify" in unit and "User=ujumbe" in unit
    assert Path("/usr/share/ujumbe/docs-ui/swagger-ui-bundle.js").is_file()
    assert Path("/usr/share/doc/ujumbe/operations.md").is_file()

    proc, client = start_installed_server()
    try:
        assert client.request("GET", "/healthz").status == 200
        assert client.request("GET", "/docs/swagger-ui-bundle.js").status == 200
        for made in DATA.iterdir():  # the database and secret belong to the service's user
            assert owner(made)[0] == "ujumbe", made
        assert mode(DATA / "secret.key") & 0o077 == 0
    finally:
        proc.terminate()
        assert proc.wait(30) == 0
    databases = [p for p in DATA.iterdir() if p.suffix == ".db"]
    assert databases, list(DATA.iterdir())

    # Installing over itself (an upgrade's path): an edited conffile and
    # the data stay as they are.
    CONF.write_text(CONF.read_text() + "\n# edited by the operator\n")
    run("dpkg", "-i", "--force-confold", deb)
    assert "# edited by the operator" in CONF.read_text()
    assert mode(DATA) == 0o700 and owner(DATA) == ("ujumbe", "ujumbe")
    assert all(p.exists() for p in databases)

    run("dpkg", "--purge", "ujumbe")
    assert not binary.exists() and not CONF.exists()
    assert not Path("/usr/lib/systemd/system/ujumbe.service").exists()
    assert all(p.exists() for p in databases), "a purge removed the business's data"
