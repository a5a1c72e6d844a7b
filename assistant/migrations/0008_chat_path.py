"""The chat turn's statements (issue 7: at most three per turn on a cache hit).

- A message must belong to a conversation of its own user: a foreign key on (conversation_id,
  user_id) to the conversation's (id, user_id), so saving the user's message is one INSERT that
  the database refuses for someone else's conversation (PostgreSQL's foreign key checks are not
  subject to row level security, so the plain conversation_id key alone would accept it).
- A new message moves its conversation's ``updated_at`` to the message's time (a trigger), so
  saving a reply is one INSERT too and the conversation list stays "most recent first"; monitors'
  alert messages and undo notes come along.
- A conversation's messages are indexed in order (conversation, created_at, id), which also
  serves the conversation foreign key, so its own index goes.

On SQLite (the no-PostgreSQL first look) triggers do both jobs.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

POSTGRESQL = (
    """
    ALTER TABLE assistant_message ADD CONSTRAINT message_conversation_same_user
        FOREIGN KEY (conversation_id, user_id) REFERENCES assistant_conversation (id, user_id)
        ON DELETE CASCADE;  -- checked at the INSERT itself, not at commit
    CREATE OR REPLACE FUNCTION pam_message_touches_conversation() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE assistant_conversation SET updated_at = GREATEST(updated_at, NEW.created_at)
         WHERE id = NEW.conversation_id;
        RETURN NULL;
    END $$;
    CREATE TRIGGER message_touches_conversation AFTER INSERT ON assistant_message
        FOR EACH ROW EXECUTE FUNCTION pam_message_touches_conversation();
    """,
    """
    DROP TRIGGER IF EXISTS message_touches_conversation ON assistant_message;
    DROP FUNCTION IF EXISTS pam_message_touches_conversation();
    ALTER TABLE assistant_message DROP CONSTRAINT IF EXISTS message_conversation_same_user;
    """,
)
SQLITE = (
    """
    CREATE TRIGGER message_conversation_same_user BEFORE INSERT ON assistant_message
    WHEN NOT EXISTS (SELECT 1 FROM assistant_conversation WHERE id = NEW.conversation_id AND user_id = NEW.user_id)
    BEGIN
        SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed');
    END;
    CREATE TRIGGER message_touches_conversation AFTER INSERT ON assistant_message
    BEGIN
        UPDATE assistant_conversation SET updated_at = MAX(updated_at, NEW.created_at)
         WHERE id = NEW.conversation_id;
    END;
    """,
    """
    DROP TRIGGER IF EXISTS message_touches_conversation;
    DROP TRIGGER IF EXISTS message_conversation_same_user;
    """,
)


def _run(schema_editor, which: int) -> None:
    statements = POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE
    schema_editor.execute(statements[which])


class Migration(migrations.Migration):
    dependencies = [
        ("assistant", "0007_undoable_change"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="conversation",
            constraint=models.UniqueConstraint(fields=["id", "user"], name="conversation_id_user"),
        ),
        migrations.RemoveIndex(model_name="message", name="message_conversation_time"),
        migrations.AlterField(
            model_name="message",
            name="conversation",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="messages", to="assistant.conversation"),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(fields=["conversation", "created_at", "id"], name="message_conversation_order"),
        ),
        migrations.RunPython(lambda apps, editor: _run(editor, 0), lambda apps, editor: _run(editor, 1)),
    ]
