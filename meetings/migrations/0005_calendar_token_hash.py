"""Calendar tokens are kept only as their SHA-256 hash; addresses handed out before keep working."""

import hashlib

from django.db import migrations, models


def hash_existing(apps, schema_editor):
    CalendarToken = apps.get_model("meetings", "CalendarToken")
    for token in CalendarToken.objects.all():
        token.token_hash = hashlib.sha256(token.token.encode()).hexdigest()
        token.save(update_fields=["token_hash"])


class Migration(migrations.Migration):
    dependencies = [("meetings", "0004_actionitem_development")]

    operations = [
        migrations.AddField(
            model_name="calendartoken", name="token_hash", field=models.CharField(max_length=64, null=True)
        ),
        migrations.RunPython(hash_existing, migrations.RunPython.noop),
        migrations.RemoveField(model_name="calendartoken", name="token"),
        migrations.AlterField(
            model_name="calendartoken", name="token_hash", field=models.CharField(max_length=64, unique=True)
        ),
    ]
