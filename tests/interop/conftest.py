"""Fixtures of the end-to-end SMPP suite (helpers in smpp_it.py)."""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from smpp_it import Esme, Smsc, SmscCommand, harness  # noqa: E402


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


# The HTTP suite's fixture, registered here too.
server_factory = harness.server_factory


@pytest.fixture
def gateway_server(server_factory):
    """A server without gateways: tests add SMPP gateways and routes."""
    return server_factory(env={"UJUMBE_SANDBOX_GATEWAY": None}, label="smpp")


@pytest.fixture
def smsc():
    started = []

    def make(*args):
        s = SmscCommand(*args)
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


@pytest.fixture
def esme():
    started = []

    def make(port, *args):
        e = Esme(port, *args)
        started.append(e)
        return e

    yield make
    for e in started:
        e.stop()
