"""What the PostgreSQL degradation tests share."""

from tests.fakes.anthropic_server import text_reply, text_with_stall

RECOVERY_SECONDS = 10.0  # issue 7: "recovery within 10 s"


async def chatting(open_chat, fake, user_id):
    """A socket that has had one whole turn ("hi" answered) while PostgreSQL was up: its
    conversation exists, its context is cached, PAM's pool holds connections."""
    chat = await open_chat(user_id)
    fake.push(text_reply("Hello!"))
    assert (await chat.turn("hi"))["type"] == "chat_response"
    return chat


async def stalled_turn(chat, fake, text: str) -> str:
    """Start a turn whose reply stalls after its first words; returns its message_id once they
    have arrived (the user's message is saved, the model is mid-reply until ``fake.release``)."""
    fake.push(text_with_stall(["Thinking about "], ["your winter."]))
    message_id = await chat.send_chat(text)
    await chat.until(lambda f: f["type"] == "chat_response_delta" and f["message_id"] == message_id)
    return message_id
