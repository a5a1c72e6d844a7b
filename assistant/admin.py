from django.contrib import admin

from assistant.models import (
    Alert,
    CalendarEvent,
    Conversation,
    Message,
    MonitorRun,
    PendingAction,
    Profile,
    UndoableChange,
)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name", "timezone", "currency", "units", "home_region"]
    list_filter = ["units", "currency"]
    search_fields = ["user__username", "user__email", "display_name", "home_region"]
    raw_id_fields = ["user"]


class MessageInline(admin.TabularInline):
    model = Message
    fk_name = "conversation"
    fields = ["created_at", "role", "content", "status", "provider", "model", "latency_ms"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "created_at", "updated_at"]
    search_fields = ["title", "user__username"]
    raw_id_fields = ["user"]
    date_hierarchy = "updated_at"
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["short_content", "role", "user", "status", "provider", "model", "latency_ms", "created_at"]
    list_filter = ["role", "status", "provider", "model"]
    search_fields = ["content", "user__username", "client_message_id"]
    raw_id_fields = ["user", "conversation", "reply_to"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at"]

    @admin.display(description="content")
    def short_content(self, obj):
        return obj.content[:80]


@admin.register(PendingAction)
class PendingActionAdmin(admin.ModelAdmin):
    """Read-only: an action is answered by its user in the chat, never by staff."""

    list_display = ["summary", "tool", "user", "status", "created_at", "expires_at", "resolved_at"]
    list_filter = ["status", "tool"]
    search_fields = ["summary", "user__username"]
    raw_id_fields = ["user", "conversation"]
    readonly_fields = ["id", "user", "conversation", "tool", "arguments", "summary", "status", "result",
                       "created_at", "expires_at", "resolved_at"]

    def has_add_permission(self, request):
        return False


@admin.register(UndoableChange)
class UndoableChangeAdmin(admin.ModelAdmin):
    """Read-only: what a write tool call changed, which its user can undo for a while (in the chat)."""

    list_display = ["summary", "tool", "user", "created_at", "expires_at", "undone_at"]
    list_filter = ["tool", ("undone_at", admin.EmptyFieldListFilter)]
    search_fields = ["summary", "user__username"]
    raw_id_fields = ["user", "conversation"]
    date_hierarchy = "created_at"
    readonly_fields = ["id", "user", "conversation", "tool", "summary", "changes", "steps", "ui_actions", "created_at",
                       "expires_at", "undone_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CalendarEvent)
class CalendarEventAdmin(admin.ModelAdmin):
    """Times show in the server's timezone (UTC) here; users see theirs in their own."""

    list_display = ["title", "user", "starts_at", "ends_at", "all_day", "kind", "location"]
    list_filter = ["kind", "all_day", "starts_at"]
    search_fields = ["title", "location", "notes", "user__username"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]
    date_hierarchy = "starts_at"


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "category", "severity", "created_at", "hold_until", "delivered_at", "read_at"]
    list_filter = ["category", "severity", ("read_at", admin.EmptyFieldListFilter),
                   ("delivered_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "message", "dedup_key", "user__username"]
    raw_id_fields = ["user", "chat_message"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at"]


@admin.register(MonitorRun)
class MonitorRunAdmin(admin.ModelAdmin):
    """What the monitors did. Their schedules are under "Periodic tasks" (django-celery-beat):
    change an interval, switch one off, or select it and "Run selected tasks" to run it now."""

    list_display = ["monitor", "status", "started_at", "duration", "users_scanned", "alerts_raised"]
    list_filter = ["monitor", "status"]
    date_hierarchy = "started_at"
    readonly_fields = ["monitor", "status", "started_at", "finished_at", "users_scanned", "alerts_raised", "error"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
