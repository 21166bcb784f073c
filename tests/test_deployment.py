"""docker-compose.yml describes the production topology the README promises."""

from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
WORKERS = [name for name in SERVICES if name.startswith("worker-")]


def test_web_workers_beat_postgresql_and_redis_with_health_checks():
    assert {"web", "beat", "db", "redis"} <= set(SERVICES)
    for name in ("web", *WORKERS, "db", "redis"):
        assert "healthcheck" in SERVICES[name], name
    assert "gunicorn" in SERVICES["web"]["command"]
    assert SERVICES["web"]["healthcheck"]["test"][-1].count("/healthz") == 1


def test_postgresql_keeps_its_data_in_a_volume_and_beat_runs_once():
    assert any(v.startswith("pgdata:") for v in SERVICES["db"]["volumes"])
    assert "pgdata" in COMPOSE["volumes"]
    assert SERVICES["beat"]["deploy"]["replicas"] == 1


def test_each_queue_has_workers_of_its_own_and_only_those():
    consumed = {}
    for name in WORKERS:
        command = SERVICES[name]["command"]
        assert command[:4] == ["celery", "-A", "portal", "worker"], name
        consumed[name] = command[command.index("-Q") + 1].split(",")
    queues = [queue for names in consumed.values() for queue in names]
    assert sorted(queues) == sorted(settings.CELERY_QUEUE_NAMES)  # each once, none left out


def test_portal_containers_use_postgresql_and_redis_and_wait_for_migrations():
    for name in ("web", *WORKERS, "beat"):
        environment = SERVICES[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"].startswith("redis://")
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_every_variable_the_example_environment_sets_is_documented():
    readme = (ROOT / "README.md").read_text()
    names = [
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    undocumented = [n for n in names if f"`{n}`" not in readme and n != "POSTGRES_PASSWORD"]
    assert undocumented == []
