import pytest

from portal import tasks
from tests.factories import InspectorFactory


@pytest.fixture
def inspector(client, fast_password_hashing):
    """The test client, signed in as a ministry inspector (every agency's dashboards)."""
    client.force_login(InspectorFactory().user)
    return client


@pytest.fixture
def workers(monkeypatch, django_capture_on_commit_callbacks):
    """The recounts the pages ask of the workers, in order (``pages``, ``agency_ids``,
    ``query``): ``workers.get(client, url)`` reads a page as a request does (what it
    queues goes once its writes are kept); ``workers.run()`` does what was asked;
    ``workers.read(client, url)`` reads a page whose figures may never have been counted
    (the public statistics, whose readers never wait): a first answer that says they are
    being counted, the worker it asked, and the page again."""

    class Workers(list):
        def get(self, client, url, data=None):
            with django_capture_on_commit_callbacks(execute=True):
                return client.get(url, data)

        def post(self, client, url, data=None):
            with django_capture_on_commit_callbacks(execute=True):
                return client.post(url, data)

        def run(self):
            while self:
                tasks.recount_dashboards(*self.pop(0))

        def read(self, client, url, data=None):
            first = self.get(client, url, data)
            if first.status_code == 503 or (first.context or {}).get("counting"):
                assert self, "a view being counted was asked of a worker"
                self.run()
                return self.get(client, url, data)
            return first

    asked = Workers()
    monkeypatch.setattr(tasks.recount_dashboards, "delay", lambda *args: asked.append(args))
    return asked
