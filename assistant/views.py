from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from assistant import selectors


@login_required
def chat(request):
    """The chat page: a conversation's history (``?c=<id>``, else the latest; ``?new=1`` for a
    fresh one) and the conversation list. Someone else's conversation is a 404."""
    conversations = selectors.conversation_list(user=request.user)
    conversation = None
    if "c" in request.GET:
        try:
            conversation_id = int(request.GET["c"])
        except ValueError:
            raise Http404("No such conversation") from None
        conversation = selectors.conversation_get(user=request.user, conversation_id=conversation_id)
        if conversation is None:
            raise Http404("No such conversation")
    elif "new" not in request.GET and conversations:
        conversation = conversations[0]
    messages = selectors.conversation_messages(user=request.user, conversation=conversation) if conversation else []
    action_states = selectors.action_states(user=request.user, conversation=conversation) if conversation else {}
    undo_states = selectors.undo_states(user=request.user, conversation=conversation) if conversation else {}
    return render(
        request,
        "assistant/chat.html",
        {"conversation": conversation, "conversations": conversations, "chat_messages": messages,
         "action_states": action_states, "undo_states": undo_states},
    )
