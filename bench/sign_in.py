"""Where a staff sign-in's time goes: the password hash alone (Django's Argon2 default
against the portal's OWASP setting), then whole sign-ins through gunicorn (the sign-in
form, the POST with django-axes, the session and the known-device cookie, and the page it
lands on), one after another, as a person signing in waits for them.

    .venv/bin/python bench/sign_in.py                 # or: make bench
    .venv/bin/python bench/sign_in.py --sign-ins 50 --database-url postgres://...

By default on its own SQLite database under var/bench/sign_in/ (what `make run` uses), with
the demo accounts of seed_demo; django-axes on, as in production.
"""

import argparse
import http.cookiejar
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path[0] = str(BASE_DIR)  # as in staff_pages.py: import from the repository

from bench import server  # noqa: E402

VAR_DIR = BASE_DIR / "var" / "bench" / "sign_in"
ACCOUNTS = ("moj-officer", "moph-intake", "msdhs-supervisor", "inspector")
PASSWORD = "demo1234"  # noqa: S105 - seed_demo's documented demo password


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sign-ins", type=int, default=40)
    parser.add_argument("--database-url", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")
    return parser.parse_args()


def hashing(rounds: int = 20) -> dict[str, float]:
    """Median milliseconds to check one password, for each setting."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    from portal.hashers import OwaspArgon2PasswordHasher

    medians = {}
    for hasher in (Argon2PasswordHasher(), OwaspArgon2PasswordHasher()):
        encoded = hasher.encode(PASSWORD, hasher.salt())
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            hasher.verify(PASSWORD, encoded)
            times.append((time.perf_counter() - start) * 1000)
        label = encoded.split("$")[3]
        medians[f"{type(hasher).__name__} ({label})"] = statistics.median(times)
    return medians


class _PlainHttpCookies(http.cookiejar.DefaultCookiePolicy):
    """The portal's cookies are Secure outside DEBUG; here they travel over loopback HTTP."""

    def return_ok_secure(self, cookie, request):
        return True


def timed_sign_in(base_url: str, username: str, follow: bool) -> tuple[float, float]:
    """Milliseconds for the sign-in form, then for the POST (and, with ``follow``, the page
    it sends the person to)."""
    handlers = [
        urllib.request.HTTPCookieProcessor(jar := http.cookiejar.CookieJar(_PlainHttpCookies()))
    ]
    if not follow:
        handlers.append(server._NoRedirect)
    opener = urllib.request.build_opener(*handlers)
    start = time.perf_counter()
    opener.open(f"{base_url}/accounts/login/").read()
    form = time.perf_counter()
    token = next(c.value for c in jar if c.name == "csrftoken")
    body = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the local server only
        f"{base_url}/accounts/login/", data=body, headers={"Referer": f"{base_url}/accounts/login/"}
    )
    try:
        with opener.open(request) as response:
            response.read()
            if response.url.endswith("/accounts/login/"):
                sys.exit(f"{username} could not sign in: see {VAR_DIR / 'gunicorn.log'}")
    except urllib.error.HTTPError as refused:
        if refused.code != 302:
            sys.exit(f"{username} could not sign in ({refused.code})")
    end = time.perf_counter()
    return (form - start) * 1000, (end - form) * 1000


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered):6.0f} ms   p95 {p95:6.0f} ms"


def main() -> None:
    args = parse_args()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": args.database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-sign-in-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "AXES_ENABLED": "1",
        "VAR_DIR": str(VAR_DIR),
        "STATIC_ROOT": str(VAR_DIR / "staticfiles"),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    python = str(server.BIN / "python")
    for command in (
        ["migrate", "--noinput"],
        ["collectstatic", "--noinput"],
        ["seed_demo", "--demo", "--at-least", "300"],
    ):
        subprocess.run(
            [python, "manage.py", *command], cwd=BASE_DIR, env=env, check=True, capture_output=True
        )
    import django

    django.setup()
    print("Checking one password (median of 20):")
    for label, milliseconds in hashing().items():
        print(f"  {label:70} {milliseconds:6.1f} ms")

    port = server.free_port()
    base_url = f"http://127.0.0.1:{port}"
    gunicorn = server.start_gunicorn(env, port, VAR_DIR / "gunicorn.log", 2, 1)
    try:
        server.wait_until_healthy(gunicorn, base_url)
        for username in ACCOUNTS:  # first sign-ins rewrite older hashes: not measured
            timed_sign_in(base_url, username, follow=True)
        forms, posts, whole = [], [], []
        for turn in range(args.sign_ins):
            username = ACCOUNTS[turn % len(ACCOUNTS)]
            form, post = timed_sign_in(base_url, username, follow=False)
            forms.append(form)
            posts.append(post)
            whole.append(timed_sign_in(base_url, username, follow=True)[1])
    finally:
        server.stop(gunicorn)
    print(f"\n{args.sign_ins} sign-ins one after another ({', '.join(ACCOUNTS)}):")
    print(f"  sign-in form                      {summary(forms)}")
    print(f"  POST alone (hash, axes, session)  {summary(posts)}")
    print(f"  POST and the page it lands on     {summary(whole)}")


if __name__ == "__main__":
    main()
