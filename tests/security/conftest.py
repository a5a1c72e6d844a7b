"""Fixtures of the security tests."""

import pytest
from channels.testing import WebsocketCommunicator

from pam_project.asgi import application
from tests.conftest import close_sockets


def pytest_collection_modifyitems(items):
    """schemathesis names each API operation's test ``test_…[GET /api/v1/…]`` but, on this
    pytest, leaves every one the function's bare node id. pytest-xdist schedules by node id, so
    all but one operation would silently never run in `make test`: give each its own id, the way
    schemathesis's lazy loader does."""
    for item in items:
        operation = getattr(item, "operation_label", None)
        if operation and item.id.params is None:
            item._id = item.id.with_params(operation)


@pytest.fixture
async def program_socket():
    """``await program_socket(path=..., headers=..., forwarded_for=...)``: an accepted socket
    without an Origin header (a program, not a browser), not yet signed in, from the address in
    ``forwarded_for`` when given (X-Forwarded-For). Disconnected at teardown."""
    opened = []

    async def connect(path="/ws/pam/", headers=(), *, forwarded_for: str | None = None):
        headers = [(b"host", b"127.0.0.1"), *headers]
        if forwarded_for:
            headers.append((b"x-forwarded-for", forwarded_for.encode()))
        communicator = WebsocketCommunicator(application, path, headers=headers)
        opened.append(communicator)
        connected, _ = await communicator.connect()
        assert connected
        return communicator

    yield connect
    await close_sockets(opened)
