"""The chat socket, ``/ws/pam/`` (protocol v1, docs/protocol.md).

The consumer routes frames; the work lives in services, the context cache and the agent. The
user comes from the connection scope only. A turn runs as its own task, so the socket keeps
serving frames (stop, ping) while PAM thinks; replies go straight down this socket.
"""

import asyncio
import json
import logging
import time
from dataclasses import dataclass

import pydantic
from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import timezone

from assistant import agent, socket_auth
from assistant.context import profile_zone, user_context
from assistant.models import Alert, Message
from assistant.prompts import SYSTEM_STATIC, user_context_block, volatile_block
from assistant.protocol import (
    CLIENT_FRAME_TYPES,
    MAX_FRAME_CHARS,
    MAX_MESSAGE_CHARS,
    PROTOCOL_VERSION,
    AlertAckFrame,
    ChatContext,
    ChatFrame,
    ClientFrame,
    ConfirmActionFrame,
    ErrorCode,
    PingFrame,
    StopFrame,
    UndoFrame,
)
from assistant.providers.base import ModelRequest
from assistant.ratelimit import chat_admit, connection_retry_after, frame_retry_after, holding_turn
from assistant.registry import ToolContext, tool_schemas
from assistant.selectors import llm_history
from assistant.services import (
    ConversationNotFound,
    PendingActionNotFound,
    action_resolve,
    alert_acknowledge,
    alert_mark_delivered,
    alerts_to_deliver,
    message_receive,
    message_reply_create,
)
from assistant.undo import UndoNotFound, change_undo
from pam_project import metrics, observability, rls
from pam_project.worker_threads import in_worker_thread

logger = logging.getLogger(__name__)

# Close codes (docs/protocol.md, "Connecting").
CLOSE_UNAUTHENTICATED = 4401  # no or bad credentials, after an UNAUTHENTICATED error frame
CLOSE_AUTH_TIMEOUT = 4408  # a program sent no auth frame within PAM_WS_AUTH_TIMEOUT_SECONDS
CLOSE_TOO_MANY_CONNECTIONS = 4429  # too many connection attempts from the address, after RATE_LIMIT_EXCEEDED


@dataclass
class PreparedTurn:
    request: ModelRequest
    ctx: ToolContext


@dataclass
class Received:
    message: Message | None
    created: bool
    retry_after: int | None = None
    refusal: str | None = None
    turn_lock: object | None = None  # the user's turn slot, held for the turn this message starts
    prepared: PreparedTurn | None = None  # what the turn needs, when the message was saved now
    preparing_failed: Exception | None = None  # why it is missing then (the turn reports it)


def receive_chat(user, frame: ChatFrame, text: str) -> Received:
    """A chat frame's work before the model is called, in one worker-thread call: count the frame
    and the message and take the user's turn slot (one Redis round trip), save the message (one
    INSERT in a running conversation), then load what the turn needs (``prepare_turn``).

    The slot comes back in ``turn_lock`` only when the message was saved now; a resent
    ``message_id`` is answered with the first message (``created`` False) and lets the slot go.
    A resend of the message a turn is answering in another window is a duplicate, not a refusal.
    Raises ConversationNotFound."""
    admission = chat_admit(user_id=user.id)
    if admission.refused_by == "lock":
        resent = Message.objects.filter(user=user, client_message_id=frame.message_id).first()
        if resent is not None:
            return Received(resent, False)
        return Received(None, False, 1, "PAM is still answering you in another window. Stop it or wait a moment.")
    if admission.refused_by == "first":
        return Received(None, False, admission.retry_after,
                        f"Too many frames at once; try again in {admission.retry_after} s.")
    if admission.refused_by is not None:
        return Received(None, False, admission.retry_after)
    turn_lock = admission.lock
    try:
        message, created = message_receive(
            user=user, client_message_id=frame.message_id, text=text, conversation_id=frame.conversation_id
        )
    except BaseException:
        turn_lock.release()
        raise
    if not created:
        turn_lock.release()
        return Received(message, created)
    received = Received(message, created, turn_lock=turn_lock)
    try:  # the message is saved: from here a failure is the turn's, reported as its error frame
        received.prepared = prepare_turn(user, message, frame.context)
    except Exception as exc:
        received.preparing_failed = exc
    return received


def finish_turn(message: Message, state: "agent.TurnState", status: str, latency_ms: int, turn_lock) -> Message | None:
    """Save PAM's reply (one INSERT), then let the user's turn slot go: one worker-thread call.
    Returns the reply, or None when it could not be saved (logged)."""
    try:
        return message_reply_create(
            user_message=message, content=state.text, status=status, tool_calls=state.tool_calls,
            provider=state.provider, model=state.model, usage=state.usage, latency_ms=latency_ms,
        )
    except Exception:
        logger.exception("could not save the reply to %s", message.client_message_id)
        return None
    finally:
        if turn_lock is not None:
            turn_lock.release()


def tool_context(user, profile: dict, context: ChatContext | None, conversation_id: int | None) -> ToolContext:
    """Who the tools act for: the socket's user, in the profile's (else the browser's) timezone,
    where the browser says they are."""
    location = (context.location.lat, context.location.lng) if context and context.location else None
    return ToolContext(user=user, timezone=profile_zone(profile, context.timezone if context else None),
                       now=timezone.now(), currency=profile["currency"], conversation_id=conversation_id,
                       location=location)


def prepare_turn(user, message: Message, client_context: ChatContext | None) -> PreparedTurn:
    """Everything a turn needs before the model is called: context (cache), history, time."""
    context = user_context(user)
    profile = context["profile"]
    ctx = tool_context(user, profile, client_context, message.conversation_id)
    zone, now = ctx.timezone, ctx.now
    request = ModelRequest(
        system_static=SYSTEM_STATIC,
        user_context=user_context_block(context),
        volatile=volatile_block(now.astimezone(zone)),
        messages=llm_history(user=user, conversation_id=message.conversation_id),
        tools=tool_schemas(),
        now=now,
        timezone=zone,
        currency=profile["currency"],
        display_name=profile["display_name"],
    )
    return PreparedTurn(request, ctx)


def resolve_action(user, frame: ConfirmActionFrame) -> dict:
    """Answer a pending action and describe the outcome as an ``action_result`` frame."""
    profile = user_context(user)["profile"]
    resolution = action_resolve(user=user, action_id=frame.action_id, approved=frame.approved,
                                ctx=tool_context(user, profile, frame.context, None))
    outcome, reply = resolution.outcome, resolution.reply
    return {
        "type": "action_result",
        "action_id": str(resolution.action.id),
        "tool": resolution.action.tool,
        "status": resolution.status,
        "already_resolved": resolution.already_resolved,
        "summary": resolution.action.summary,
        "result": outcome.result if outcome else {},
        "ui_actions": outcome.ui_actions if outcome else [],
        "conversation_id": resolution.action.conversation_id,
        "reply_id": reply.id if reply else None,
        "message": reply.content if reply else "",
        "undo_id": outcome.undo_id if outcome else None,
        "undo_until": outcome.undo_until if outcome else None,
    }


def undo_change(user, frame: UndoFrame) -> dict:
    """Undo one of the user's changes (a tool card's Undo) as an ``undo_result`` frame. Raises
    UndoNotFound."""
    outcome = change_undo(user=user, undo_id=frame.undo_id, say_in_chat=True)
    return {"type": "undo_result", "undo_id": str(frame.undo_id), "status": outcome.status,
            "message": outcome.message, "ui_actions": outcome.ui_actions,
            "conversation_id": outcome.change.conversation_id, "reply_id": outcome.reply.id if outcome.reply else None}


def json_object(text_data: str | None) -> dict | None:
    """The frame's JSON object; None for a binary frame, one over MAX_FRAME_CHARS, or one that is
    not a JSON object."""
    if text_data is None or len(text_data) > MAX_FRAME_CHARS:
        return None
    try:
        content = json.loads(text_data)
    except ValueError:
        return None
    return content if isinstance(content, dict) else None


def well_formed_chat(text_data: str | None) -> ChatFrame | None:
    """The frame as a ChatFrame when it is a valid chat frame with a message to answer (nearly
    every frame a client sends), else None: the frame then takes the general path, which counts
    it before reading it and explains what is wrong."""
    content = json_object(text_data)
    if content is None or content.get("type") != "chat":
        return None
    message = content.get("message")
    if not isinstance(message, str) or len(message) > MAX_MESSAGE_CHARS or not message.strip():
        return None
    try:
        return ChatFrame.model_validate(content)
    except pydantic.ValidationError:
        return None


def readable_message_id(text_data: str | None) -> str | None:
    """A frame's ``message_id``, when it has a readable one (for an error about the frame)."""
    message_id = (json_object(text_data) or {}).get("message_id")
    return message_id if isinstance(message_id, str) else None


def connection_user(user) -> dict:
    profile = user_context(user)["profile"]
    return {"id": user.id, "username": user.get_username(), "display_name": profile["display_name"]}


class ChatConsumer(AsyncJsonWebsocketConsumer):
    async def dispatch(self, message):
        """Channels' dispatch without the hop to its one shared thread that it makes before every
        frame to close stale database connections: this consumer touches the database only through
        ``in_worker_thread`` and ``database_sync_to_async``, which give their connections back
        themselves. Raises ValueError for a message type without a handler, as Channels does."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        # Browsers (an Origin header) come signed in by their session cookie; programs (no Origin)
        # sign in with a first `auth` frame, never with a cookie (assistant/socket_auth.py).
        is_browser = socket_auth.has_origin(self.scope)
        self.user = self.scope.get("user") if is_browser else None
        # This socket's queries see only its user's rows (none before it is authenticated); the
        # scope lasts for the consumer's task, and turns and pushes inherit it (pam_project.rls).
        rls.enter(self.user)
        self.turn_task: asyncio.Task | None = None
        self.turn_running = False  # from the message's ack until just before its reply's last frame
        self.turn_lock = None
        self.turn_message: Message | None = None
        self.is_closed = False
        self.group_name = None
        self.awaiting_auth = False
        self.auth_deadline: asyncio.Task | None = None
        ip = socket_auth.client_ip(self.scope)
        retry_after = await sync_to_async(connection_retry_after, thread_sensitive=False)(ip=ip)
        if retry_after is not None:
            await self.refuse(ErrorCode.RATE_LIMIT_EXCEEDED, CLOSE_TOO_MANY_CONNECTIONS,
                              f"Too many connections from your address; try again in {retry_after} s.",
                              retry_after=retry_after)
            return
        if not is_browser:
            await self.accept()
            self.awaiting_auth = True
            self.auth_deadline = asyncio.create_task(self.close_unless_authenticated())
            return
        if self.user is None or not self.user.is_authenticated:
            await self.refuse(ErrorCode.UNAUTHENTICATED, CLOSE_UNAUTHENTICATED, "Log in to chat with PAM.")
            return
        await self.start_session()

    async def refuse(self, code: ErrorCode, close_code: int, message: str, *, accepted=False, **extra):
        """Say why in an error frame, then close with ``close_code``; the socket serves nothing."""
        self.user = None
        self.awaiting_auth = False
        if not accepted:
            await self.accept()
        await self.send_error(code, message, **extra)
        await self.close(code=close_code)

    async def close_unless_authenticated(self):
        await asyncio.sleep(settings.PAM_WS_AUTH_TIMEOUT_SECONDS)
        if self.awaiting_auth:
            await self.refuse(ErrorCode.UNAUTHENTICATED, CLOSE_AUTH_TIMEOUT, accepted=True, message=(
                f"No auth frame within {settings.PAM_WS_AUTH_TIMEOUT_SECONDS:g} s; send "
                '{"type": "auth", "token": "<access token>"} first.'))

    async def authenticate(self, text_data: str | None):
        """A program's first frame: ``{"type": "auth", "token": "<JWT access token>"}``. Anything
        else, or a token simplejwt does not accept, closes the socket (4401)."""
        self.awaiting_auth = False
        self.auth_deadline.cancel()
        self.auth_deadline = None  # not kept (with its coroutine) for the socket's life
        content = None
        if text_data is not None and len(text_data) <= socket_auth.MAX_AUTH_FRAME_CHARS:
            try:
                content = json.loads(text_data)
            except ValueError:
                pass
        if not (isinstance(content, dict) and content.get("type") == "auth" and isinstance(content.get("token"), str)):
            await self.refuse(ErrorCode.UNAUTHENTICATED, CLOSE_UNAUTHENTICATED, accepted=True, message=(
                'Sign in first: send {"type": "auth", "token": "<access token>"} (from /api/v1/auth/token/).'))
            return
        user = await database_sync_to_async(socket_auth.user_for_token)(content["token"])
        if user is None:
            await self.refuse(ErrorCode.UNAUTHENTICATED, CLOSE_UNAUTHENTICATED, accepted=True, message=(
                "That access token is not valid or has expired; get a new one from /api/v1/auth/token/refresh/."))
            return
        self.user = self.scope["user"] = user
        rls.enter(user)
        await self.start_session(accepted=True)

    async def start_session(self, *, accepted=False):
        """The signed-in socket: join the user's push group, say ``connection``, send waiting alerts."""
        metrics.socket_opened()
        self.socket_counted = True  # disconnect uncounts it
        try:
            await self.channel_layer.group_add(f"user.{self.user.id}", self.channel_name)
            self.group_name = f"user.{self.user.id}"
        except Exception:  # pushes are a bonus; chatting must not depend on them
            logger.warning("could not join the user's push group", exc_info=True)
        if not accepted:
            await self.accept()
        user = await database_sync_to_async(connection_user)(self.user)
        await self.send_json(
            {"type": "connection", "status": "connected", "user": user, "protocol_version": PROTOCOL_VERSION}
        )
        try:  # what PAM raised while the user was away, until they acknowledge it
            for alert in await database_sync_to_async(alerts_to_deliver)(user=self.user):
                await self.send_json({"type": "proactive_alert", "alert": alert})
        except Exception:
            logger.warning("could not send waiting alerts", exc_info=True)

    async def disconnect(self, code):
        if getattr(self, "socket_counted", False):
            self.socket_counted = False
            metrics.socket_closed()
        self.is_closed = True
        self.awaiting_auth = False
        if self.auth_deadline is not None:
            self.auth_deadline.cancel()
        if self.group_name:
            try:
                await self.channel_layer.group_discard(self.group_name, self.channel_name)
            except Exception:
                logger.warning("could not leave the user's push group", exc_info=True)
        task = self.turn_task
        if task is not None and not task.done():
            task.cancel()  # the turn saves what was said before it ends
            await asyncio.wait([task], timeout=5)

    async def send_json(self, content, close=False):
        if self.is_closed:
            return
        await super().send_json(content, close=close)

    async def send_error(self, code: ErrorCode, message: str, message_id: str | None = None, **extra):
        frame = {"type": "error", "error_code": code.value, "message": message, **extra}
        if message_id:
            frame["message_id"] = message_id
        await self.send_json(frame)

    async def receive(self, text_data=None, bytes_data=None):
        self.frame_arrived = time.perf_counter()  # read by handle_chat for the turn's server_ms
        if self.user is None:
            if self.awaiting_auth:
                await self.authenticate(text_data)
            return
        chat = well_formed_chat(text_data)
        if chat is not None:  # the common frame: counted with its message in one round trip
            await self.handle_chat(chat)
            return
        retry_after = await sync_to_async(frame_retry_after, thread_sensitive=False)(user_id=self.user.id)
        if retry_after is not None:
            await self.send_error(ErrorCode.RATE_LIMIT_EXCEEDED,
                                  f"Too many frames at once; try again in {retry_after} s.",
                                  readable_message_id(text_data), retry_after=retry_after)
            return
        if text_data is None:
            await self.send_error(ErrorCode.VALIDATION_ERROR, "Frames must be JSON text, not binary.")
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.send_error(ErrorCode.MESSAGE_TOO_LARGE, f"Frames are limited to {MAX_FRAME_CHARS:,} characters.")
            return
        try:
            data = json.loads(text_data)
        except ValueError:
            await self.send_error(ErrorCode.VALIDATION_ERROR, "The frame is not valid JSON.")
            return
        await self.receive_json(data)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            await self.send_error(ErrorCode.VALIDATION_ERROR, "A frame must be a JSON object with a 'type'.")
            return
        message_id = content.get("message_id") if isinstance(content.get("message_id"), str) else None
        frame_type = content.get("type")
        if frame_type not in CLIENT_FRAME_TYPES:
            await self.send_error(
                ErrorCode.VALIDATION_ERROR,
                f"Unknown frame type {frame_type!r}; expected one of {', '.join(CLIENT_FRAME_TYPES)}.",
                message_id,
            )
            return
        if frame_type == "chat" and isinstance(content.get("message"), str):
            if len(content["message"]) > MAX_MESSAGE_CHARS:
                await self.send_error(
                    ErrorCode.MESSAGE_TOO_LARGE,
                    f"Messages are limited to {MAX_MESSAGE_CHARS:,} characters.",
                    message_id,
                )
                return
        try:
            frame = ClientFrame.validate_python(content)
        except pydantic.ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc'][1:]) or 'frame'}: {error['msg']}"
                for error in exc.errors(include_url=False)
            )
            await self.send_error(ErrorCode.VALIDATION_ERROR, f"Invalid {frame_type} frame: {problems}", message_id)
            return
        if isinstance(frame, ChatFrame):
            await self.handle_chat(frame)
        elif isinstance(frame, StopFrame):
            await self.handle_stop(frame)
        elif isinstance(frame, ConfirmActionFrame):
            await self.handle_confirm_action(frame)
        elif isinstance(frame, AlertAckFrame):
            await self.handle_alert_ack(frame)
        elif isinstance(frame, UndoFrame):
            await self.handle_undo(frame)
        elif isinstance(frame, PingFrame):
            await self.send_json({"type": "pong"})

    async def handle_chat(self, frame: ChatFrame):
        """A well-formed chat frame (``well_formed_chat``; any other reaches here only to be
        refused for its empty message)."""
        arrived = self.frame_arrived
        message_id = str(frame.message_id)
        text = frame.message.strip()
        if not text:
            await self.send_error(ErrorCode.VALIDATION_ERROR, "The message is empty.", message_id)
            return
        if self.turn_running:
            retry_after = await sync_to_async(frame_retry_after, thread_sensitive=False)(user_id=self.user.id)
            if retry_after is None and message_id == str(self.turn_message.client_message_id):
                await self.send_json({"type": "message_ack", "message_id": message_id,
                                      "conversation_id": self.turn_message.conversation_id, "duplicate": True})
                return
            await self.send_error(
                ErrorCode.RATE_LIMIT_EXCEEDED,
                "PAM is still answering your previous message. Stop it or wait a moment.",
                message_id,
                retry_after=retry_after or 1,
            )
            return
        try:
            received = await in_worker_thread(receive_chat)(self.user, frame, text)
        except ConversationNotFound:
            await self.send_error(ErrorCode.NOT_FOUND, "That conversation was not found.", message_id)
            return
        except Exception:
            logger.exception("could not save a chat message")
            await self.send_error(ErrorCode.INTERNAL_ERROR, "PAM could not save your message; please resend it.",
                                  message_id)
            return
        if received.retry_after is not None:
            await self.send_error(
                ErrorCode.RATE_LIMIT_EXCEEDED,
                received.refusal or f"That's a lot of messages at once; try again in {received.retry_after} s.",
                message_id,
                retry_after=received.retry_after,
            )
            return
        message = received.message
        await self.send_json({"type": "message_ack", "message_id": message_id,
                              "conversation_id": message.conversation_id, "duplicate": not received.created})
        if not received.created:
            return
        self.turn_message, self.turn_lock, self.turn_running = message, received.turn_lock, True
        self.turn_task = asyncio.create_task(holding_turn(received.turn_lock, self.run_turn(received, arrived)))

    async def handle_stop(self, frame: StopFrame):
        message_id = str(frame.message_id)
        task = self.turn_task
        if not self.turn_running or message_id != str(self.turn_message.client_message_id):
            await self.send_error(ErrorCode.NOT_FOUND, "No reply is running for that message.", message_id)
            return
        task.cancel()

    async def handle_confirm_action(self, frame: ConfirmActionFrame):
        try:
            result = await database_sync_to_async(resolve_action)(self.user, frame)
        except PendingActionNotFound:
            await self.send_error(ErrorCode.NOT_FOUND, "That action was not found.", action_id=str(frame.action_id))
            return
        except Exception:
            logger.exception("could not resolve action %s", frame.action_id)
            await self.send_error(ErrorCode.INTERNAL_ERROR, "PAM could not complete that action; nothing was changed.",
                                  action_id=str(frame.action_id))
            return
        await self.send_json(result)

    async def handle_undo(self, frame: UndoFrame):
        try:
            result = await database_sync_to_async(undo_change)(self.user, frame)
        except UndoNotFound:
            await self.send_error(ErrorCode.NOT_FOUND, "That change was not found.", undo_id=str(frame.undo_id))
            return
        except Exception:
            logger.exception("could not undo %s", frame.undo_id)
            await self.send_error(ErrorCode.INTERNAL_ERROR, "PAM could not undo that; nothing was changed.",
                                  undo_id=str(frame.undo_id))
            return
        await self.send_json(result)

    async def handle_alert_ack(self, frame: AlertAckFrame):
        try:
            await database_sync_to_async(alert_acknowledge)(user=self.user, alert_id=frame.alert_id)
        except Alert.DoesNotExist:
            await self.send_error(ErrorCode.NOT_FOUND, "That alert was not found.", alert_id=frame.alert_id)
            return
        await self.send_json({"type": "alert_acknowledged", "alert_id": frame.alert_id})

    async def alert_push(self, event):
        """An alert raised elsewhere (a monitor): show it now and count it delivered."""
        await self.send_json({"type": "proactive_alert", "alert": event["alert"]})
        await database_sync_to_async(alert_mark_delivered)(user=self.user, alert_id=event["alert"]["id"])

    async def ui_actions(self, event):
        """A push from elsewhere (a change made on the dashboard, the API or another tab)."""
        await self.send_json({"type": "ui_actions", "actions": event["actions"]})

    async def run_turn(self, received: Received, arrived: float):
        """The model/tool loop for a saved message, then its reply saved and sent. ``arrived`` is
        the chat frame's time.perf_counter() on arrival, for the reply's ``server_ms``."""
        message = received.message
        message_id = str(message.client_message_id)
        observability.set_request_id(message_id)  # the turn's log lines carry its message_id
        state = agent.TurnState()
        status, error = Message.Status.COMPLETE, None

        async def emit(payload: dict) -> None:
            await self.send_json({**payload, "message_id": message_id})

        try:
            await emit({"type": "chat_response_start", "conversation_id": message.conversation_id})
            if received.prepared is None:
                raise received.preparing_failed
            prepared = received.prepared
            await agent.run_turn(
                chain=agent.default_chain(), request=prepared.request, ctx=prepared.ctx, state=state, emit=emit
            )
        except asyncio.CancelledError:
            status = Message.Status.STOPPED
        except agent.ProviderUnavailable:
            logger.warning("turn %s ended: provider unavailable", message_id, exc_info=True)
            status = Message.Status.ERROR
            error = (ErrorCode.PROVIDER_UNAVAILABLE,
                     "PAM lost its connection to the language model mid-reply. What it said is kept; "
                     "please ask again.")
        except Exception:
            logger.exception("turn %s failed", message_id)
            status = Message.Status.ERROR
            error = (ErrorCode.INTERNAL_ERROR, "Something went wrong on PAM's side. Your message is saved.")

        latency_ms = int((time.perf_counter() - arrived) * 1000)
        # The turn is over before its last frame goes out: a message sent the moment the reply
        # arrives, in this tab or another, may start the next one. Shielded: a stop or a
        # disconnect arriving now must not lose the reply. (holding_turn releases the lock of a
        # turn cancelled before it got here.)
        try:
            reply = await asyncio.shield(in_worker_thread(finish_turn)(
                message, state, status, latency_ms, self.turn_lock))
        finally:
            self.turn_running = False
        if reply is None and error is None:
            # The reply is not kept (PostgreSQL went away mid-turn): never say the turn is complete.
            error = (ErrorCode.INTERNAL_ERROR, "PAM could not save its reply; please ask again.")
        if error is not None:
            await self.send_error(error[0], error[1], message_id)
        else:
            await emit({
                "type": "chat_response",
                "conversation_id": message.conversation_id,
                "reply_id": reply.id if reply else None,
                "message": state.text,
                "status": status.value,
                "ui_actions": state.ui_actions,
                "source": state.provider,
                "model": state.model,
                "usage": state.usage,
                "latency_ms": latency_ms,
                "server_ms": round((time.perf_counter() - arrived) * 1000, 3),
                "provider_ms": round(state.provider_seconds * 1000, 3),
            })
        metrics.turn_finished(status.value, time.perf_counter() - arrived)
