"""The HTTP pages through the Django test client on the real PostgreSQL: logging in and out,
the chat page's history (what a user sees when they come back), privacy between users, and
the admin."""

import datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from assistant.models import Conversation, Message, PendingAction, Profile
from finance.models import Budget, Expense, Income, RecurringExpense

pytestmark = pytest.mark.django_db

GROCERIES_TOOL_CALL = {
    "tool": "log_expense",
    "input": {"amount": "45.20", "category": "groceries", "date": "2026-11-20"},
    "status": "ok",
    "result": {"currency": "USD"},
}


# --- Reading the page the way a user sees it ------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Element:
    def __init__(self, tag, attrs, ancestors):
        self.tag = tag
        self.attrs = {name: value or "" for name, value in attrs}
        self.ancestors = ancestors
        self.parts = []

    @property
    def classes(self):
        return self.attrs.get("class", "").split()

    @property
    def text(self):
        return " ".join("".join(self.parts).split())


class _Page(HTMLParser):
    """Every element of a page with its text content (descendants included)."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self._open = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = _Element(tag, attrs, list(self._open))
        self.elements.append(element)
        if tag not in _VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(_Element(tag, attrs, list(self._open)))

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        for element in self._open:
            element.parts.append(data)

    def select(self, tag, cls=None, *, within=None, **attrs):
        """Elements by tag, class and attributes (``aria_current`` means ``aria-current``),
        optionally only those inside ``within``."""
        return [
            e for e in self.elements
            if e.tag == tag
            and (within is None or within in e.ancestors)
            and (cls is None or cls in e.classes)
            and all(e.attrs.get(name.replace("_", "-")) == value for name, value in attrs.items())
        ]


def page(response):
    return _Page(response.content.decode())


def bubbles(response):
    """The chat bubbles as (role, text) pairs, in order."""
    doc = page(response)
    return [(bubble.attrs["data-role"], " ".join(t.text for t in doc.select("div", "msg__text", within=bubble)))
            for bubble in doc.select("article", "msg")]


def message_texts(response):
    return [e.text for e in page(response).select("div", "msg__text")]


def sidebar(response):
    """The sidebar's conversation links as (href, title, is current) triples, top first."""
    doc = page(response)
    return [(link.attrs["href"], " ".join(t.text for t in doc.select("span", "convo__title", within=link)),
             link.attrs.get("aria-current") == "page")
            for link in doc.select("a", "convo")]


# --- Data -----------------------------------------------------------------------------------

def conversation(user, title, *exchanges, updated_minutes_ago=0):
    """A conversation with (user text, assistant text) exchanges, last active that long ago."""
    convo = Conversation.objects.create(user=user, title=title)
    for said, answered in exchanges:
        Message.objects.create(conversation=convo, user=user, role="user", content=said)
        Message.objects.create(conversation=convo, user=user, role="assistant", content=answered,
                               status="complete", provider="local", model="pam-local-1")
    Conversation.objects.filter(pk=convo.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=updated_minutes_ago))
    convo.refresh_from_db()
    return convo


# --- Tests ----------------------------------------------------------------------------------

class TestLogin:
    def test_it_redirects_anonymous_users_to_login(self, client):
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/"

    def test_the_login_page_asks_for_a_username_and_password(self, client):
        response = client.get("/accounts/login/?next=/")
        assert response.status_code == 200
        doc = page(response)
        assert doc.select("input", id="id_username") and doc.select("input", id="id_password")
        assert [b.text for b in doc.select("button", type="submit")] == ["Log in"]
        assert doc.select("input", name="next", value="/")

    def test_it_logs_in_with_the_right_password_and_goes_to_the_chat(self, client, alice):
        response = client.post("/accounts/login/", {"username": "alice", "password": "alice-password-123", "next": "/"})
        assert response.status_code == 302
        assert response["Location"] == "/"
        chat = client.get("/")
        assert chat.status_code == 200
        assert chat.context["user"] == alice
        assert "Alice" in page(chat).select("span", "topbar__name")[0].text

    def test_it_logs_in_to_the_chat_even_without_a_next_page(self, client, alice):
        response = client.post("/accounts/login/", {"username": "alice", "password": "alice-password-123"})
        assert response.status_code == 302
        assert response["Location"] == reverse("chat")

    def test_it_refuses_a_wrong_password_and_says_so(self, client, alice):
        response = client.post("/accounts/login/", {"username": "alice", "password": "not-her-password", "next": "/"})
        assert response.status_code == 200
        alerts = page(response).select("div", "alert")
        assert len(alerts) == 1 and "Please enter a correct username and password" in alerts[0].text
        assert not response.context["user"].is_authenticated
        assert client.get("/")["Location"] == "/accounts/login/?next=/"

    def test_a_logged_in_user_visiting_login_goes_straight_to_the_chat(self, client, alice):
        client.force_login(alice)
        response = client.get("/accounts/login/")
        assert response.status_code == 302 and response["Location"] == reverse("chat")


class TestLogout:
    def test_the_chat_page_offers_a_log_out_form_that_posts(self, client, alice):
        client.force_login(alice)
        forms = page(client.get("/")).select("form", "topbar__logout")
        assert len(forms) == 1
        assert forms[0].attrs["method"] == "post" and forms[0].attrs["action"] == "/accounts/logout/"

    def test_it_does_not_log_out_on_a_get(self, client, alice):
        client.force_login(alice)
        assert client.get("/accounts/logout/").status_code == 405
        assert client.get("/").status_code == 200

    def test_it_logs_out_on_a_post_and_goes_to_login(self, client, alice):
        client.force_login(alice)
        response = client.post("/accounts/logout/")
        assert response.status_code == 302
        assert response["Location"] == reverse("login")
        assert client.get("/")["Location"] == "/accounts/login/?next=/"


class TestChatPage:
    def test_it_shows_the_latest_conversation_with_its_messages_in_order(self, client, alice):
        conversation(alice, "Fuel in Moab", ("I filled up for $80", "Logged $80.00 for fuel."), updated_minutes_ago=60)
        latest = conversation(
            alice, "Groceries",
            ("I spent $45.20 on groceries yesterday", "Logged $45.20 for groceries."),
            ("How's my budget looking?", "You have no budgets yet."),
            updated_minutes_ago=1,
        )
        client.force_login(alice)
        response = client.get("/")

        assert response.status_code == 200
        assert bubbles(response) == [
            ("user", "I spent $45.20 on groceries yesterday"),
            ("assistant", "Logged $45.20 for groceries."),
            ("user", "How's my budget looking?"),
            ("assistant", "You have no budgets yet."),
        ]
        doc = page(response)
        assert {meta.text for meta in doc.select("p", "msg__meta")} == {"local · pam-local-1"}
        assert doc.select("div", id="chat")[0].attrs["data-conversation-id"] == str(latest.id)
        assert not doc.select("section", id="welcome")
        assert "Groceries" in doc.select("title")[0].text

    def test_it_lists_the_users_conversations_most_recent_first(self, client, alice):
        older = conversation(alice, "Fuel in Moab", ("a", "b"), updated_minutes_ago=60)
        newer = conversation(alice, "Groceries", ("c", "d"), updated_minutes_ago=1)
        untitled = conversation(alice, "", ("e", "f"), updated_minutes_ago=120)
        client.force_login(alice)
        assert sidebar(client.get("/")) == [
            (f"?c={newer.id}", "Groceries", True),
            (f"?c={older.id}", "Fuel in Moab", False),
            (f"?c={untitled.id}", f"Conversation {untitled.id}", False),
        ]

    def test_it_shows_a_card_for_the_expense_pam_logged(self, client, alice):
        convo = Conversation.objects.create(user=alice, title="Groceries")
        Message.objects.create(conversation=convo, user=alice, role="user",
                               content="I spent $45.20 on groceries yesterday")
        Message.objects.create(conversation=convo, user=alice, role="assistant",
                               content="Logged $45.20 for groceries on Friday, Nov 20.", status="complete",
                               tool_calls=[GROCERIES_TOOL_CALL], provider="local", model="pam-local-1")
        client.force_login(alice)
        doc = page(client.get("/"))

        cards = doc.select("li", "tool-card")
        assert len(cards) == 1
        card = cards[0]
        assert card.attrs["data-tool"] == "log_expense" and card.attrs["data-status"] == "ok"
        assert "Logged expense" in card.text
        assert "$45.20" in card.text and "groceries" in card.text and "2026-11-20" in card.text
        assert card.text == "✓ Logged expense $45.20 · groceries · 2026-11-20"

    def test_a_failed_tool_call_shows_as_failed_with_its_reason(self, client, alice):
        convo = Conversation.objects.create(user=alice, title="Oops")
        Message.objects.create(conversation=convo, user=alice, role="assistant", content="I couldn't log that.",
                               tool_calls=[{"tool": "log_expense", "input": {"amount": "-3"}, "status": "error",
                                            "result": {"error": "The amount must be more than zero."}}])
        client.force_login(alice)
        card = page(client.get("/")).select("li", "tool-card")[0]
        assert card.attrs["data-status"] == "error"
        assert "(failed)" in card.text and "The amount must be more than zero." in card.text

    def test_an_action_waiting_for_approval_offers_approve_and_cancel_until_answered(self, client, alice):
        convo = Conversation.objects.create(user=alice, title="Delete")
        action = PendingAction.objects.create(
            user=alice, conversation=convo, tool="delete_expense", arguments={"expense_id": 7},
            summary="Delete $30.00 · propane · 2026-11-03", expires_at=timezone.now() + datetime.timedelta(minutes=5))
        Message.objects.create(conversation=convo, user=alice, role="assistant", content="Approve it to delete.",
                               tool_calls=[{"tool": "delete_expense", "input": {"expense_id": 7},
                                            "status": "needs_confirmation", "action_id": str(action.id),
                                            "result": {"summary": action.summary}}])
        client.force_login(alice)
        card = page(client.get("/")).select("li", "tool-card")[0]
        assert (card.attrs["data-status"], card.attrs["data-action-id"]) == ("pending", str(action.id))
        assert card.text == "? Waiting for your approval Delete $30.00 · propane · 2026-11-03 Approve Cancel"

        PendingAction.objects.filter(id=action.id).update(status="cancelled")
        card = page(client.get("/")).select("li", "tool-card")[0]
        assert card.attrs["data-status"] == "cancelled"
        assert card.text == "– Cancelled Delete $30.00 · propane · 2026-11-03"

        PendingAction.objects.filter(id=action.id).update(status="pending", expires_at=timezone.now())
        card = page(client.get("/")).select("li", "tool-card")[0]
        assert card.attrs["data-status"] == "expired"
        assert card.text == "– Expired: ask PAM again Delete $30.00 · propane · 2026-11-03"

    def test_an_export_card_links_to_its_csv(self, client, alice):
        convo = Conversation.objects.create(user=alice, title="Export")
        url = "/api/v1/exports/expenses.csv?start=2026-11-01&end=2026-11-21"
        Message.objects.create(conversation=convo, user=alice, role="assistant", content="Here it is.",
                               tool_calls=[{"tool": "export_expenses", "input": {}, "status": "ok",
                                            "result": {"url": url, "count": 3}}])
        client.force_login(alice)
        [link] = page(client.get("/")).select("a", "tool-card__download")
        assert link.attrs["href"] == url and link.text == "Download CSV"

    def test_stopped_and_failed_replies_say_so(self, client, alice):
        convo = Conversation.objects.create(user=alice, title="Cut short")
        Message.objects.create(conversation=convo, user=alice, role="assistant", content="Your fuel spend",
                               status="stopped")
        Message.objects.create(conversation=convo, user=alice, role="assistant", content="Your bud",
                               status="error")
        client.force_login(alice)
        doc = page(client.get("/"))
        statuses = [e.attrs["data-status"] for e in doc.select("article", "msg")]
        assert statuses == ["stopped", "error"]
        assert [e.text for e in doc.select("p", "msg__marker")] == ["Stopped", "Ended by an error"]

    def test_it_shows_the_conversation_asked_for(self, client, alice):
        wanted = conversation(alice, "Fuel in Moab", ("I filled up for $80", "Logged $80.00 for fuel."),
                              updated_minutes_ago=60)
        conversation(alice, "Groceries", ("I spent $45.20 on groceries", "Logged $45.20 for groceries."))
        client.force_login(alice)
        response = client.get(f"/?c={wanted.id}")

        assert response.status_code == 200
        assert message_texts(response) == ["I filled up for $80", "Logged $80.00 for fuel."]
        assert [href for href, _, current in sidebar(response) if current] == [f"?c={wanted.id}"]

    def test_new_shows_the_welcome_panel_and_no_messages(self, client, alice):
        conversation(alice, "Groceries", ("I spent $45.20 on groceries", "Logged $45.20 for groceries."))
        client.force_login(alice)
        response = client.get("/?new=1")

        assert response.status_code == 200
        doc = page(response)
        assert doc.select("h1", id="welcome-title")[0].text == "Hi, I’m PAM."
        assert "I spent $45.20 on groceries at Safeway yesterday" in [b.text for b in doc.select("button", "prompt")]
        assert bubbles(response) == []
        assert doc.select("div", id="chat")[0].attrs["data-conversation-id"] == ""
        # The old conversation is still one click away.
        assert [title for _, title, _ in sidebar(response)] == ["Groceries"]

    def test_a_new_user_sees_the_welcome_panel(self, client, alice):
        client.force_login(alice)
        doc = page(client.get("/"))
        assert doc.select("section", id="welcome")
        assert doc.select("li", "convo-list__empty")[0].text == "No conversations yet."

    def test_it_escapes_html_in_messages_and_titles(self, client, alice):
        conversation(alice, "<b>bold</b> title", ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>"))
        client.force_login(alice)
        response = client.get("/")
        html = response.content.decode()

        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<img src=x onerror=alert(2)>" not in html
        assert "<b>bold</b>" not in html
        # The user still sees exactly what was typed.
        assert message_texts(response) == ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>"]
        assert not page(response).select("img")

    def test_a_conversation_id_that_is_not_a_number_is_not_found(self, client, alice):
        client.force_login(alice)
        assert client.get("/?c=abc").status_code == 404

    def test_a_conversation_that_does_not_exist_is_not_found(self, client, alice):
        client.force_login(alice)
        assert client.get("/?c=987654321").status_code == 404


class TestPrivacy:
    def test_bob_cannot_open_alices_conversation(self, client, alice, bob):
        secret = conversation(alice, "Alice's vet bill", ("I paid $300 at the vet", "Logged $300.00 for health."))
        client.force_login(bob)
        response = client.get(f"/?c={secret.id}")

        assert response.status_code == 404
        html = response.content.decode()
        assert "vet" not in html and "$300" not in html

    def test_bob_never_sees_alices_conversations_or_messages(self, client, alice, bob):
        conversation(alice, "Alice's vet bill", ("I paid $300 at the vet", "Logged $300.00 for health."))
        mine = conversation(bob, "Bob's propane", ("Propane was $25", "Logged $25.00 for propane."),
                            updated_minutes_ago=30)
        client.force_login(bob)

        for url in ("/", "/?new=1", f"/?c={mine.id}"):
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert "vet" not in html and "$300" not in html and "Alice" not in html, url
            assert [title for _, title, _ in sidebar(response)] == ["Bob's propane"], url
        assert message_texts(client.get("/")) == ["Propane was $25", "Logged $25.00 for propane."]


class TestAdmin:
    @pytest.fixture
    def admin_client(self, client, django_user_model, alice):
        superuser = django_user_model.objects.create_superuser("root", "root@example.com", "root-password-123")
        convo = conversation(alice, "Groceries", ("I spent $45.20 on groceries", "Logged $45.20 for groceries."))
        Message.objects.filter(conversation=convo, role="assistant").update(tool_calls=[GROCERIES_TOOL_CALL])
        Expense.objects.create(user=alice, amount="45.20", category="groceries", date=datetime.date(2026, 11, 20),
                               merchant="Safeway")
        Budget.objects.create(user=alice, category="groceries", monthly_limit="800.00")
        Income.objects.create(user=alice, source="Social Security", amount="1850.00", date=datetime.date(2026, 11, 3),
                              kind="pension")
        RecurringExpense.objects.create(user=alice, amount="120.00", category="connectivity", description="Starlink",
                                        starts_on=datetime.date(2026, 11, 5), next_due_on=datetime.date(2026, 12, 5))
        PendingAction.objects.create(user=alice, tool="delete_expense", summary="Delete $30.00 · propane",
                                     expires_at=timezone.now())
        client.force_login(superuser)
        return client

    def test_a_superuser_can_open_the_admin_index(self, admin_client):
        response = admin_client.get("/admin/")
        assert response.status_code == 200
        assert "PAM administration" in response.content.decode()

    @pytest.mark.parametrize(("model", "shows"), [
        (Profile, "America/Denver"),
        (Conversation, "Groceries"),
        (Message, "I spent $45.20 on groceries"),
        (Expense, "Safeway"),
        (Budget, "800.00"),
        (Income, "Social Security"),
        (RecurringExpense, "Starlink"),
        (PendingAction, "Delete $30.00 · propane"),
    ], ids=["profile", "conversation", "message", "expense", "budget", "income", "recurring", "pending-action"])
    def test_a_superuser_can_list_each_model(self, admin_client, model, shows):
        opts = model._meta
        response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert response.status_code == 200
        assert shows in response.content.decode()

    def test_a_superuser_can_open_a_conversation_with_its_messages(self, admin_client, alice):
        convo = Conversation.objects.get(user=alice)
        response = admin_client.get(reverse("admin:assistant_conversation_change", args=[convo.id]))
        assert response.status_code == 200
        assert "Logged $45.20 for groceries." in response.content.decode()

    def test_a_non_staff_user_is_sent_to_the_admin_login(self, client, alice):
        client.force_login(alice)
        response = client.get("/admin/")
        assert response.status_code == 302
        assert response["Location"] == "/admin/login/?next=/admin/"
        changelist = client.get(reverse("admin:finance_expense_changelist"))
        assert changelist.status_code == 302 and changelist["Location"].startswith("/admin/login/")
