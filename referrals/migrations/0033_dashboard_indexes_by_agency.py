"""The dashboards' covering indexes of the cases: the period's (``case_figures``, replaced by
``case_period_figures``) now carries the case's id, which the referrals, ratings and events
of the period's cases are joined on, and its channel, which the overview counts by; and a
second, lead agency first (``case_agency_figures``), from which the views of one agency's
readers read that agency's cases only. Built and dropped without locking the cases for
writes (CONCURRENTLY on PostgreSQL), as 0010 built the first."""

import importlib

from django.db import migrations, models

AddIndexWithoutLock = importlib.import_module(
    "referrals.migrations.0010_dashboard_indexes"
).AddIndexWithoutLock

INCLUDE = [
    "province",
    "district",
    "category",
    "project",
    "channel",
    "status",
    "resolved_at",
    "due_at",
    "acknowledge_seconds",
    "resolve_seconds",
    "resolved_in_time",
]


class RemoveIndexWithoutLock(migrations.RemoveIndex):
    """``RemoveIndexConcurrently`` where the database can, ``RemoveIndex`` elsewhere."""

    def _change(self, schema_editor, model, index, add: bool):
        postgresql = schema_editor.connection.vendor == "postgresql"
        concurrently = {"concurrently": True} if postgresql else {}
        if add:
            schema_editor.add_index(model, index, **concurrently)
        else:
            schema_editor.remove_index(model, index, **concurrently)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            self._change(schema_editor, model, index, add=False)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            self._change(schema_editor, model, index, add=True)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("referrals", "0032_deadlines_told_by_workers")]

    operations = [
        AddIndexWithoutLock(
            model_name="case",
            index=models.Index(
                fields=["created_at"],
                include=["id", "lead_agency", *INCLUDE],
                name="case_period_figures",
            ),
        ),
        AddIndexWithoutLock(
            model_name="case",
            index=models.Index(
                fields=["lead_agency", "created_at"],
                include=["id", *INCLUDE],
                name="case_agency_figures",
            ),
        ),
        RemoveIndexWithoutLock(model_name="case", name="case_figures"),
    ]
