"""The benchmark's data: its database, demo cases made by seed_demo, and signed-in staff."""

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def ensure_database(url: str) -> None:
    import environ
    import psycopg2

    config = environ.Env.db_url_config(url)
    server = {k.lower(): config[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if config[k]}
    connection = psycopg2.connect(dbname="postgres", **server)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            print(f"Creating the database {config['NAME']}")
            cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    connection.close()


def manage(env, *arguments) -> None:
    python = Path(sys.executable)
    subprocess.run([python, "manage.py", *arguments], cwd=BASE_DIR, env=env, check=True)


def prepare(env, wanted: int, static: bool = True, migrate: bool = True) -> None:
    """The benchmark database migrated (unless not ``migrate``: to measure it as an earlier
    migration left it), static files collected (for pages served with DEBUG off) and
    seeded up to ``wanted`` cases; Django set up in this process."""
    import os

    os.environ.update(env)
    ensure_database(env["DATABASE_URL"])
    if migrate:
        manage(env, "migrate", "--noinput", "--verbosity", "0")
    if static:
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    import django

    django.setup()
    ensure_cases(env, wanted)


def ensure_cases(env, wanted: int) -> None:
    """Demo staff and cases up to ``wanted``, made by seed_demo; then a vacuum, as in use."""
    from django.db import connection

    from referrals.models import Case

    present = Case.objects.count()
    print(f"Cases in the database: {present:,}")
    if present >= wanted:
        return
    manage(env, "seed_demo", "--demo")
    manage(env, "seed_demo", "--demo", "--cases", str(wanted - present))
    # A live database has been vacuumed by autovacuum; freshly copied rows have not.
    with connection.cursor() as cursor:
        for table in (
            "referrals_case",
            "referrals_referral",
            "referrals_caseevent",
            "referrals_casegroupobjectpermission",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


@dataclass
class SignedIn:
    user: object
    client: object  # django.test.Client with the session cookie
    cookie: str  # the Cookie header that carries the same session


def sign_in(username: str) -> SignedIn:
    """A session for ``username``, saved by the session engine, and a test client using it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import SESSION_KEY, get_user_model
    from django.test import Client

    user = get_user_model().objects.get(username=username)
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    stored = import_module(settings.SESSION_ENGINE).SessionStore(session_key).load()
    if str(stored.get(SESSION_KEY)) != str(user.pk):
        sys.exit(f"The session of {username} was not saved by {settings.SESSION_ENGINE}.")
    return SignedIn(user, client, f"{settings.SESSION_COOKIE_NAME}={session_key}")


def representative_case(username: str, agency_code: str):
    """A recent case in progress led by the agency, with a referral if one can be found."""
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef

    from agencies import permissions
    from referrals import selectors
    from referrals.models import Case, CaseStatus, Referral

    user = get_user_model().objects.get(username=username)
    cases = permissions.visible_cases(
        user,
        Case.objects.filter(lead_agency__code=agency_code, status=CaseStatus.IN_PROGRESS),
    ).order_by("-created_at")
    referred = Exists(Referral.objects.filter(case=OuterRef("pk")))
    case = cases.filter(referred).first() or cases.first()
    if case is None or selectors.case_for(user, case.reference) is None:
        sys.exit(f"No case in progress of {agency_code} is visible to {username}: seed first.")
    return case


def wsgi_get(app, url: str, cookie: str) -> int:
    """GET ``url`` through the WSGI application ``app`` as gunicorn calls it, with the
    Cookie header ``cookie``, reading the whole body: its status code."""
    from io import BytesIO

    path, _, query = url.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": cookie,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": BytesIO(b""),
        "wsgi.url_scheme": "http",
    }
    answered = []
    b"".join(app(environ, lambda status, headers: answered.append(status)))
    return int(answered[0].split()[0])
