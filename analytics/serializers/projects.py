from rest_framework import serializers

from tenancy.models import Team


class ProjectSerializer(serializers.ModelSerializer):
    """A project as seen through its primary team."""

    organization = serializers.UUIDField(source="organization_id", read_only=True)
    project_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "project_id",
            "organization",
            "name",
            "api_token",
            "timezone",
            "week_start_day",
            "test_account_filters",
            "path_cleaning_filters",
            "created_at",
        ]
        read_only_fields = ["id", "project_id", "organization", "api_token", "created_at"]
