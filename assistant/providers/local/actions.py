"""What the offline provider decides for one step: call a tool, or reply in words."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ToolRequest:
    name: str
    input: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    text: str
