"""Pushes to every open socket of one user through the channel layer (group ``user.<id>``).

Replies to a chat turn go straight down the socket that asked; this is for everything else: a
change made on the dashboard, the API or another tab that an open page should show.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def push_ui_actions(user_id: int, actions: list[dict]) -> None:
    """Send ``{"type": "ui_actions", "actions": [...]}`` to the user's open sockets.

    Synchronous (call it from services, e.g. in ``transaction.on_commit``). A push is a courtesy:
    when the channel layer is down it is logged and dropped, never raised.
    """
    layer = get_channel_layer()
    if layer is None or not actions:
        return
    try:
        async_to_sync(layer.group_send)(user_group(user_id), {"type": "ui.actions", "actions": actions})
    except Exception:
        logger.warning("could not push ui actions to user %s", user_id, exc_info=True)
