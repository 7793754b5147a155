"""Find recently changed appointments (booking.snapshot_cache refreshes from it)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("booking", "0003_series_plan"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(fields=["updated_at"], name="appt_changed"),
        ),
    ]
