"""Fixtures of the security tests."""

import pytest
from channels.testing import WebsocketCommunicator

from pam_project.asgi import application
from tests.conftest import close_sockets


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
