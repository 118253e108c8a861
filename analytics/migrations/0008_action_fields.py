# Action: PostHog's REST fields (creator, tags, pinning, slack settings) and a list index.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0007_annotation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="action",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="action",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.AddField(
            model_name="action",
            name="last_calculated_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="action",
            name="post_to_slack",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="action",
            name="slack_message_format",
            field=models.CharField(blank=True, default="", max_length=1200),
        ),
        migrations.AddField(
            model_name="action",
            name="pinned_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="action",
            name="tags",
            field=models.ManyToManyField(blank=True, related_name="actions", to="analytics.tag"),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(fields=["team", "deleted"], name="analytics_a_team_id_812f0a_idx"),
        ),
    ]
