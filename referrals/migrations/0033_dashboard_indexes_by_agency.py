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
    """``RemoveIndexConcurrently`` where the database can, ``RemoveIndex`` elsewhere: 0010's
    operation run the other way (forwards it drops the index, backwards builds it again)."""

    def _adding(self, app_label, state) -> AddIndexWithoutLock:
        index = state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
        return AddIndexWithoutLock(model_name=self.model_name, index=index)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._adding(app_label, from_state).database_backwards(
            app_label, schema_editor, from_state, to_state
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._adding(app_label, to_state).database_forwards(
            app_label, schema_editor, from_state, to_state
        )


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
