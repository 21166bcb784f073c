"""The Celery application shared by the web processes, the workers and beat."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The links to outside systems keep their tasks in their own packages.
app.autodiscover_tasks(["integrations.gcc1111", "integrations.traffy"])
