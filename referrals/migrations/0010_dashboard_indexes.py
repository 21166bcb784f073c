"""The dashboards' indexes, built without locking the case and event tables for writes
(CREATE INDEX CONCURRENTLY on PostgreSQL; a plain index on the embedded SQLite)."""

from django.db import migrations, models


class AddIndexWithoutLock(migrations.AddIndex):
    """``AddIndexConcurrently`` where the database can, ``AddIndex`` elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.remove_index(model, self.index, concurrently=True)
        else:
            schema_editor.remove_index(model, self.index)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("referrals", "0009_dashboard_figures")]

    operations = [
        AddIndexWithoutLock(
            model_name="case",
            index=models.Index(
                fields=["created_at"],
                include=(
                    "lead_agency",
                    "province",
                    "district",
                    "category",
                    "project",
                    "status",
                    "resolved_at",
                    "due_at",
                    "acknowledge_seconds",
                    "resolve_seconds",
                    "resolved_in_time",
                ),
                name="case_figures",
            ),
        ),
        AddIndexWithoutLock(
            model_name="caseevent",
            index=models.Index(
                condition=models.Q(("kind", "transferred")),
                fields=["case"],
                name="event_transfers",
            ),
        ),
    ]
