"""PAM's ASGI application plus a bare Channels echo socket at ``/ws/echo/``: the floor that
bench/chat_load.py compares PAM's chat turns with, served by the same daphne process.

    daphne bench.echo_asgi:application

Not part of PAM: only the benchmark serves it.
"""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from pam_project.asgi import application as pam_application

ECHO_PATH = "/ws/echo/"


class EchoConsumer(AsyncJsonWebsocketConsumer):
    """Accepts anyone and sends every JSON frame straight back: parse, encode, send, nothing else."""

    async def receive_json(self, content, **kwargs):
        await self.send_json(content)


echo = EchoConsumer.as_asgi()


async def application(scope, receive, send):
    if scope["type"] == "websocket" and scope["path"] == ECHO_PATH:
        return await echo(scope, receive, send)
    return await pam_application(scope, receive, send)
