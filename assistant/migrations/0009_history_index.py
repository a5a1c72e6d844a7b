"""The history index gains the user (assistant.models.Message.Meta): every read of a conversation's
latest messages names both, and with only the conversation PostgreSQL sorted the whole
conversation under the row level security policy."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assistant', '0008_chat_path'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='message',
            name='message_conversation_order',
        ),
        migrations.AddIndex(
            model_name='message',
            index=models.Index(fields=['conversation', 'user', 'created_at', 'id'], name='message_conversation_order'),
        ),
    ]
