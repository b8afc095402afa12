"""Fixtures of the end-to-end SMPP suite (helpers in smpp_it.py)."""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from smpp_it import Smsc, UjumbeServer  # noqa: E402


@pytest.fixture
def smsc_factory():
    started = []

    def make(*args):
        s = Smsc(*args)
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


@pytest.fixture
def gateway_server(server_factory_interop):
    """A server without gateways: tests add SMPP gateways and routes."""
    return server_factory_interop(label="smpp")


@pytest.fixture
def server_factory_interop():
    started = []

    def make(env=None, label="smpp"):
        srv = UjumbeServer(env, label)
        started.append(srv)
        return srv.start()

    yield make
    for srv in started:
        srv.stop()


