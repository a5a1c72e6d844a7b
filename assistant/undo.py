"""Undo for PAM's write tools (issue 6, "Tool safety"): every write tool call can be taken back
for ``PAM_UNDO_SECONDS`` (10 minutes), from the chat ("undo that") or from its tool card.

Recording is generic, so a new write tool is covered without code of its own: while
``assistant.registry.call_tool`` runs a write tool (in one transaction), model signals note each
row of the user's records that the call creates, changes or deletes, cascades and ``SET_NULL``
included: the models of ``UNDOABLE_APPS`` and ``UNDOABLE_MODELS``, never chat messages, alerts
or pending actions. A row's "before" is read when the call first touches it, its "after" when the
call ends, and ``change_save`` keeps both as an ``UndoableChange``. Queryset ``update()`` and
``bulk_create`` send no signals, so services write tracked rows one ``save()`` at a time.

``change_undo`` takes a change back in one transaction, only while every row is still as the call
left it (a later edit is never lost) and no other row has come to depend on a row it would
remove. It undoes the call's writes one by one, the last first: created rows are deleted, changed
rows get their old values back, deleted rows come back with their ids and timestamps.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.db.models.signals import post_save, pre_delete, pre_save
from django.utils import timezone
from django.utils.duration import duration_string

#: Apps whose every model is a user's records; a new model there is undoable without a list to keep.
UNDOABLE_APPS = ("finance", "travel", "social")
#: The assistant app's models that are a user's records (its others are the chat itself).
UNDOABLE_MODELS = ("assistant.Profile", "assistant.CalendarEvent")
#: What "undo the last expense" can name (``undo_last_action``'s ``what``): the models it means.
UNDO_KINDS = {
    "expense": ("finance.expense", "finance.recurringexpense"),
    "income": ("finance.income", "finance.recurringincome"),
    "budget": ("finance.budget",),
    "vehicle": ("travel.vehicle",),
    "fill_up": ("travel.fuellog",),
    "maintenance": ("travel.maintenancerecord", "travel.maintenanceitem"),
    "trip": ("travel.trip", "travel.tripstop"),
    "place": ("travel.savedplace",),
    "calendar_event": ("assistant.calendarevent",),
    "alert_settings": ("assistant.profile",),
}
#: Undo records are deleted this long after they expire (they hold copies of the user's rows).
KEPT_AFTER_EXPIRY = datetime.timedelta(days=1)

_tracked: set[type[models.Model]] = set()
_recorder: contextvars.ContextVar[Recorder | None] = contextvars.ContextVar("pam_undo_recorder", default=None)


def tracked_models() -> list[type[models.Model]]:
    """The models whose rows a write tool's undo puts back."""
    found = [model for name in UNDOABLE_APPS for model in apps.get_app_config(name).get_models()]
    return found + [apps.get_model(label) for label in UNDOABLE_MODELS]


def _attnames(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _row_values(model, pk) -> dict | None:
    return model._base_manager.filter(pk=pk).values(*_attnames(model)).first()


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.time)):  # datetimes too, to the microsecond
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_string(value)
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    return value


def _to_json(values: dict | None) -> dict | None:
    return None if values is None else {name: _jsonable(value) for name, value in values.items()}


def _from_json(model, values: dict | None) -> dict | None:
    if values is None:
        return None
    columns = {f.attname: f for f in model._meta.concrete_fields}
    return {name: columns[name].to_python(value) for name, value in values.items() if name in columns}


# --- Recording ------------------------------------------------------------------------------------

@dataclass
class _Write:
    model: type[models.Model]
    pk: object
    op: str  # "insert", "update" or "delete"
    before: dict | None  # the row's columns just before this write; None for an insert


@dataclass
class Recorder:
    """The writes one tool call made to tracked rows, in order, and each row's values when the
    call first touched it."""

    writes: list[_Write] = field(default_factory=list)
    first: dict[tuple[str, object], _Write] = field(default_factory=dict)
    saving: dict[int, tuple[models.Model, dict]] = field(default_factory=dict)

    def note(self, model, pk, op: str, before: dict | None) -> None:
        write = _Write(model, pk, op, before)
        self.writes.append(write)
        self.first.setdefault((model._meta.label_lower, pk), write)

    def changes(self) -> tuple[list[dict], list[dict]]:
        """``(rows, steps)`` as JSON: each row touched with its values before the call and now
        (``[{"model", "pk", "before", "after"}]``, read now: one query per model), and each
        write in order with the row's values just before it (``[{"model", "pk", "op",
        "before"}]``). Both empty when no row ended up different."""
        pks = defaultdict(list)
        for write in self.first.values():
            pks[write.model].append(write.pk)
        after = {}
        for model, keys in pks.items():
            pk_name = model._meta.pk.attname
            after[model] = {values[pk_name]: values
                            for values in model._base_manager.filter(pk__in=keys).values(*_attnames(model))}
        rows = [{"model": write.model._meta.label_lower, "pk": _jsonable(write.pk), "before": _to_json(write.before),
                 "after": _to_json(after[write.model].get(write.pk))} for write in self.first.values()]
        if all(row["before"] == row["after"] for row in rows):
            return [], []
        steps = [{"model": write.model._meta.label_lower, "pk": _jsonable(write.pk), "op": write.op,
                  "before": _to_json(write.before)} for write in self.writes]
        return rows, steps


@contextlib.contextmanager
def recording() -> Iterator[Recorder]:
    """Note the tracked rows written inside the block (this thread or task only)."""
    recorder = Recorder()
    token = _recorder.set(recorder)
    try:
        yield recorder
    finally:
        _recorder.reset(token)


def _before_save(sender, instance, raw=False, **kwargs):
    recorder = _recorder.get()
    if recorder is not None and not raw and instance.pk is not None:
        recorder.saving[id(instance)] = (instance, _row_values(sender, instance.pk))


def _after_save(sender, instance, created, raw=False, **kwargs):
    recorder = _recorder.get()
    if recorder is None or raw:
        return
    saving, before = recorder.saving.pop(id(instance), (None, None))
    before = before if saving is instance else None  # a save that failed left nothing to match
    recorder.note(sender, instance.pk, "update" if before is not None else "insert", before)


def _before_delete(sender, instance, **kwargs):
    recorder = _recorder.get()
    if recorder is None:
        return
    # Rows that only lose their link (SET_NULL and the like) are changed with an UPDATE that
    # sends no signal, before the DELETE: note them first.
    for relation in sender._meta.related_objects:
        on_delete, related = relation.on_delete, relation.related_model
        if related not in _tracked or not (on_delete in (models.SET_NULL, models.SET_DEFAULT)
                                           or hasattr(on_delete, "deconstruct")):
            continue
        pk_name = related._meta.pk.attname
        for values in related._base_manager.filter(**{relation.field.name: instance.pk}).values(*_attnames(related)):
            recorder.note(related, values[pk_name], "update", values)
    loaded = not instance.get_deferred_fields()
    recorder.note(sender, instance.pk, "delete",
                  {name: getattr(instance, name) for name in _attnames(sender)} if loaded
                  else _row_values(sender, instance.pk))


def connect_signals() -> None:
    """Watch the tracked models' saves and deletes (AssistantConfig.ready). Watching a model
    also stops Django's fast delete for it, so its cascaded rows send their signals."""
    for model in tracked_models():
        _tracked.add(model)
        uid = f"pam_undo_{model._meta.label_lower}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}_pre_save")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}_post_save")
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=f"{uid}_pre_delete")


def change_save(recorder: Recorder, *, user, tool: str, summary: str, conversation_id: int | None,
                ui_actions: list[dict]):
    """Keep what ``recorder`` saw as an ``UndoableChange`` that expires in ``PAM_UNDO_SECONDS``
    (in the caller's transaction) and return it; None when the call changed nothing. The
    user's undo records expired for over ``KEPT_AFTER_EXPIRY`` are deleted."""
    from assistant.models import UndoableChange

    rows, steps = recorder.changes()
    if not rows:
        return None
    now = timezone.now()
    UndoableChange.objects.filter(user=user, expires_at__lt=now - KEPT_AFTER_EXPIRY).delete()
    return UndoableChange.objects.create(
        user=user, conversation_id=conversation_id, tool=tool, summary=summary[:500], changes=rows, steps=steps,
        ui_actions=[action for action in ui_actions if str(action.get("type", "")).startswith("reload_")],
        expires_at=now + datetime.timedelta(seconds=settings.PAM_UNDO_SECONDS),
    )


# --- Undoing --------------------------------------------------------------------------------------

class UndoNotFound(Exception):
    """No such change belongs to the user (the two look the same)."""


@dataclass
class UndoOutcome:
    """How an undo ended: ``status`` is done, expired, conflict or already_undone; ``message``
    says it to the user; ``reply`` is PAM's note saved in the change's conversation, if any."""

    change: object
    status: str
    message: str
    ui_actions: list[dict] = field(default_factory=list)
    reply: object | None = None


@dataclass
class _Row:
    model: type[models.Model]
    pk: object
    before: dict | None
    after: dict | None

    @classmethod
    def from_json(cls, item: dict) -> _Row:
        model = apps.get_model(item["model"])
        return cls(model, model._meta.pk.to_python(item["pk"]), _from_json(model, item["before"]),
                   _from_json(model, item["after"]))

    @property
    def name(self) -> str:
        return str(self.model._meta.verbose_name)


def undo_window() -> str:
    """``PAM_UNDO_SECONDS`` in words: "10 minutes"."""
    seconds = settings.PAM_UNDO_SECONDS
    if seconds % 60:
        return f"{seconds} seconds"
    return "1 minute" if seconds == 60 else f"{seconds // 60} minutes"


def latest_change(*, user, conversation_id: int | None = None, what: str | None = None):
    """The user's most recent change not yet undone (in that conversation, when given), or only
    one that touched a ``what`` of ``UNDO_KINDS`` ("expense"); None when there is none. An expired
    one counts, so the user hears why it cannot be undone."""
    from assistant.models import UndoableChange

    changes = UndoableChange.objects.filter(user=user, undone_at__isnull=True)
    if conversation_id is not None:
        changes = changes.filter(conversation_id=conversation_id)
    labels = UNDO_KINDS[what] if what else None
    for change in changes.order_by("-created_at")[:50]:
        if labels is None or any(item["model"] in labels for item in change.changes):
            return change
    return None


def change_undo(*, user, undo_id, say_in_chat: bool = False) -> UndoOutcome:
    """Take back the user's change ``undo_id`` (an ``UndoableChange`` id), all or nothing.

    Refused, with nothing changed, when it has expired (``PAM_UNDO_SECONDS``), was undone already,
    or a row has changed since or gained rows that depend on it (status ``conflict``: undoing
    would lose a later edit). Once done the user's cached context is dropped and their open pages
    reload what the call had them reload. ``say_in_chat`` saves PAM's note of it in the change's
    conversation (an undo from the tool card). Raises UndoNotFound, also for another user's.
    """
    from assistant.context import PART_TTL_SECONDS
    from assistant.models import Message, UndoableChange
    from pam_project.service_support import data_changed

    with transaction.atomic():
        change = UndoableChange.objects.select_for_update().filter(id=undo_id, user=user).first()
        if change is None:
            raise UndoNotFound(undo_id)
        if change.undone_at is not None:
            return UndoOutcome(change, "already_undone", "That was already undone.")
        if change.expires_at <= timezone.now():
            return UndoOutcome(change, "expired", f"That can only be undone for {undo_window()}, so it stays as it is.")
        rows = [_Row.from_json(item) for item in change.changes]
        problem = _conflict(rows)
        if problem is None:
            try:
                with transaction.atomic():
                    _replay_backwards(change.steps)
            except IntegrityError:
                problem = "Something it depends on has changed since, so it cannot be undone."
        if problem is not None:
            return UndoOutcome(change, "conflict", f"{problem} Nothing was changed.")
        change.undone_at = timezone.now()
        change.save(update_fields=["undone_at"])
        reloads = [action["type"] for action in change.ui_actions]
        data_changed(user, *reloads, parts=tuple(PART_TTL_SECONDS))
        message = f"Undone: {change.summary}. Everything it changed is back as it was."
        reply = None
        if say_in_chat and change.conversation_id:
            reply = Message.objects.create(conversation_id=change.conversation_id, user=user,
                                           role=Message.Role.ASSISTANT, content=message, provider="pam", model="")
    return UndoOutcome(change, "done", message, [{"type": name} for name in reloads], reply)


def _conflict(rows: list[_Row]) -> str | None:
    """Why ``rows`` cannot be put back (a row is not as the call left it, or other rows now
    depend on one it created), or None. Locks the rows."""
    current = {}
    pks = defaultdict(list)
    for row in rows:
        pks[row.model].append(row.pk)
    for model, keys in pks.items():
        pk_name = model._meta.pk.attname
        for values in model._base_manager.select_for_update().filter(pk__in=keys).values(*_attnames(model)):
            current[model, values[pk_name]] = _from_json(model, _to_json(values))
    for row in rows:
        now = current.get((row.model, row.pk))
        if row.after is None and now is not None:
            return f"That {row.name} is back already, so there is nothing to undo."
        if row.after is not None and now is None:
            return f"That {row.name} has been deleted since, so it cannot be undone."
        if row.after is not None and now != row.after:
            return f"That {row.name} has changed since; undo would lose the later edit."
    return _dependents(rows)


def _dependents(rows: list[_Row]) -> str | None:
    """Removing the rows the call created must not take or unlink any row the call did not
    touch (a fill-up logged later on a vehicle it added)."""
    keys = {(row.model, row.pk) for row in rows}
    created = defaultdict(list)
    for row in rows:
        if row.before is None:
            created[row.model].append(row.pk)
    if not created:
        return None
    collector = Collector(using=connection.alias)
    try:
        for model, pks in created.items():
            collector.collect(list(model._base_manager.filter(pk__in=pks)))
    except (ProtectedError, RestrictedError):
        return "Other records now depend on what it added, so it cannot be undone."
    reached = [(model, obj.pk) for model, objs in collector.data.items() for obj in objs]
    for (related_field, _value), groups in collector.field_updates.items():
        for objs in groups:
            pks = objs.values_list("pk", flat=True) if isinstance(objs, models.QuerySet) else [o.pk for o in objs]
            reached += [(related_field.model, pk) for pk in pks]
    for model, pk in reached:
        if (model, pk) not in keys:
            return (f"Other records now depend on what it added (a {model._meta.verbose_name}); undoing would "
                    "remove them too.")
    if any(queryset.exists() for queryset in collector.fast_deletes):
        return "Other records now depend on what it added; undoing would remove them too."
    return None


def _replay_backwards(steps: list[dict]) -> None:
    """Undo each write of ``steps`` (``Recorder.changes``), the last first, so every state passed
    through is one that existed (unique stop positions and the one primary vehicle hold at each
    step); then check the deferred foreign keys (IntegrityError)."""
    for step in reversed(steps):
        model = apps.get_model(step["model"])
        pk, before = model._meta.pk.to_python(step["pk"]), _from_json(model, step["before"])
        if step["op"] == "insert":
            model._base_manager.filter(pk=pk).delete()
        elif step["op"] == "delete":
            model(**before).save_base(raw=True, force_insert=True)  # its id and timestamps as they were
        else:
            before.pop(model._meta.pk.attname)
            model._base_manager.filter(pk=pk).update(**before)
    connection.check_constraints()
