"""The server and a service manager (systemd, Type=notify; docs/operations.md):
READY=1 once it listens, RELOADING=1 and READY=1 around a SIGHUP that reads
the configuration again (the log level changes at once, a bad file changes
nothing), STOPPING=1 at SIGTERM. The notifications go to $NOTIFY_SOCKET, a
datagram socket this test holds.
"""

import json
import signal
import socket
import time

import ujumbe_it as u


def datagrams(sock, until, timeout=10):
    """The notifications received until one contains `until`."""
    got = []
    deadline = time.monotonic() + timeout
    while not any(until in g for g in got):
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            got.append(sock.recv(4096).decode())
        except socket.timeout:
            raise AssertionError("no %r among %r" % (until, got))
    return got


def log_lines(srv):
    lines = []
    for line in (srv.base_dir / "server.stdout").read_text().splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            pass
    return lines


def wait_log(srv, message, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        found = [line for line in log_lines(srv) if line.get("msg") == message]
        if found:
            return found[-1]
        assert time.monotonic() < deadline, "no %r in the log" % message
        time.sleep(0.05)


def test_ready_reload_and_stop_are_told_to_the_service_manager(server_factory, tmp_path):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    conf = tmp_path / "ujumbe.conf"
    conf.write_text("log_level = warn\n")
    try:
        srv = server_factory({"NOTIFY_SOCKET": str(path), "UJUMBE_LOG_LEVEL": None},
                             label="notify", args=["--config", str(conf)])
        ready = datagrams(sock, "READY=1")
        assert any("STATUS=listening on 127.0.0.1:%d" % srv.port in g for g in ready), ready

        # The log level changes with the file; other changes wait for a restart.
        conf.write_text("log_level = info\nidle_timeout_s = 30\n")
        srv.proc.send_signal(signal.SIGHUP)
        got = datagrams(sock, "READY=1")
        assert got[0] == "RELOADING=1", got
        reloaded = wait_log(srv, "configuration reloaded")
        assert reloaded["log_level"] == "info"
        assert reloaded["at_next_start"] == ["idle_timeout_s"]
        assert srv.request("GET", "/healthz").status == 200
        wait_log(srv, "request")  # info lines are written now

        # A file that does not read changes nothing, and says why.
        conf.write_text("log_level = loud\n")
        srv.proc.send_signal(signal.SIGHUP)
        datagrams(sock, "READY=1")
        refused = wait_log(srv, "reload refused: the configuration is not valid, nothing changed")
        assert "log_level" in refused["error"]
        assert srv.request("GET", "/healthz").status == 200

        proc = srv.proc
        srv.stop()  # SIGTERM, and waits
        assert proc.returncode == 0
        datagrams(sock, "STOPPING=1")
    finally:
        sock.close()


def test_without_a_service_manager_nothing_is_sent_and_sighup_still_reloads(server_factory,
                                                                            tmp_path):
    conf = tmp_path / "ujumbe.conf"
    conf.write_text("log_level = warn\n")
    srv = server_factory({"UJUMBE_LOG_LEVEL": None}, label="no-notify",
                         args=["--config", str(conf)])
    conf.write_text("log_level = error\n")
    srv.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert srv.request("GET", "/healthz").status == 200
    conf.write_text("log_level = warn\nthreads = 1\n")
    srv.proc.send_signal(signal.SIGHUP)
    assert wait_log(srv, "configuration reloaded")["at_next_start"] == ["threads"]
    # the level `error` hid the first reload's line: the second one shows
    assert len([line for line in log_lines(srv)
                if line.get("msg") == "configuration reloaded"]) == 1
    assert u.run_binary(srv.env, "--config", str(conf), "config", "check").returncode == 0
