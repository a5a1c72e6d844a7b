"""The WebSocket protocol v1 frames (docs/protocol.md) as pydantic models, and the error codes."""

import uuid
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter

from pam_project.storable import unstorable

PROTOCOL_VERSION = 1
MAX_FRAME_CHARS = 16_000
MAX_MESSAGE_CHARS = 4_000


class ErrorCode(StrEnum):
    VALIDATION_ERROR = "VALIDATION_ERROR"
    MESSAGE_TOO_LARGE = "MESSAGE_TOO_LARGE"
    RATE_LIMIT_EXCEEDED = "RATE_LIMIT_EXCEEDED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"
    NOT_FOUND = "NOT_FOUND"
    INTERNAL_ERROR = "INTERNAL_ERROR"


def _storable(text: str) -> str:
    """Text PostgreSQL can store (pam_project.storable): no NUL character, no unpaired surrogate."""
    if reason := unstorable(text):
        raise ValueError(reason)
    return text


StorableText = Annotated[str, AfterValidator(_storable)]
# A row id: a JSON integer (not true, "5" or 5.0) that fits PostgreSQL's bigint.
RowId = Annotated[int, Field(ge=1, le=2**63 - 1, strict=True)]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Location(_Frame):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


class ChatContext(_Frame):
    timezone: StorableText | None = Field(None, max_length=64)
    location: Location | None = None
    page: StorableText | None = Field(None, max_length=200)


class ChatFrame(_Frame):
    type: Literal["chat"]
    message: StorableText
    message_id: uuid.UUID
    conversation_id: RowId | None = None
    context: ChatContext | None = None


class StopFrame(_Frame):
    type: Literal["stop"]
    message_id: uuid.UUID


class ConfirmActionFrame(_Frame):
    type: Literal["confirm_action"]
    action_id: uuid.UUID
    approved: bool = Field(strict=True)
    context: ChatContext | None = None


class AlertAckFrame(_Frame):
    type: Literal["alert_ack"]
    alert_id: RowId


class PingFrame(_Frame):
    type: Literal["ping"]


class UndoFrame(_Frame):
    type: Literal["undo"]
    undo_id: uuid.UUID


ClientFrame = TypeAdapter(
    Annotated[ChatFrame | StopFrame | ConfirmActionFrame | AlertAckFrame | PingFrame | UndoFrame,
              Field(discriminator="type")]
)
CLIENT_FRAME_TYPES = ("chat", "stop", "confirm_action", "alert_ack", "ping", "undo")
