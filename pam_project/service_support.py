"""What every app's services share (DESIGN.md, "one module per role"): validating a row,
applying a partial change, deleting one of the user's rows, and, after commit, dropping the
user's cached context and asking their open pages to reload."""

from collections.abc import Callable

from django.db import models, transaction

from assistant.context import context_invalidate
from assistant.push import push_ui_actions


def data_changed(user, *reloads: str, parts: tuple[str, ...]) -> None:
    """Once the transaction commits: drop the user's cached context ``parts`` ("financial",
    "travel") and push ``ui_actions`` ``[{"type": reload}, …]`` to every open page of theirs."""

    def after_commit():
        context_invalidate(user.id, *parts)
        push_ui_actions(user.id, [{"type": name} for name in reloads])

    transaction.on_commit(after_commit)


def validate(instance: models.Model, *, exclude=("user",)) -> None:
    """The model's field validation; raises ValidationError naming the fields. Uniqueness and
    check constraints are left to the database (their checks would cost a query each)."""
    instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


def apply_changes(instance: models.Model, fields: tuple[str, ...], changes: dict,
                  clean: Callable[[str, object], object] | None = None) -> dict:
    """Set the given fields (text stripped, after ``clean(name, value)`` when given). Returns
    ``{field: previous value}`` for those that changed; raises TypeError for a field not in
    ``fields``."""
    unknown = set(changes) - set(fields)
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))}")
    previous = {}
    for name, value in changes.items():
        value = clean(name, value) if clean else value
        if isinstance(value, str):
            value = value.strip()
        if getattr(instance, name) != value:
            previous[name] = getattr(instance, name)
            setattr(instance, name, value)
    return previous


def delete_owned(model: type[models.Model], *, user, pk: int, reload: str, parts: tuple[str, ...]):
    """Delete the user's row ``pk`` of ``model`` (locked first) and return it, its id kept so the
    caller can say what went. Raises model.DoesNotExist, also for another user's row."""
    row = model.objects.select_for_update().get(id=pk, user=user)
    row.delete()
    row.id = pk  # Django clears it
    data_changed(user, reload, parts=parts)
    return row
