"""The Jinja2 environment of the page fragments drawn by Jinja2 (templates under templates/jinja2/):
the rows of long lists, which Django's template engine draws several times slower.

They hold no words to translate: the view passes its labels already translated, so that
``makemessages`` finds every word in Python or in Django's templates. What they need of the
portal is here: ``url`` (``reverse``), ``due_badge`` (the deadline's badge, as the tag of
the same name draws it) and the ``thai_date`` filter.
"""

from django.urls import reverse
from jinja2 import Environment

from agencies.thai_dates import shown_date
from referrals.templatetags.deadlines import due_badge


def url(name: str, *args) -> str:
    return reverse(name, args=args)


def environment(**options) -> Environment:
    # Django's backend asks for autoescaping (its default); said here too, for the reader.
    env = Environment(autoescape=options.pop("autoescape", True), **options)
    env.globals.update(url=url, due_badge=due_badge)
    env.filters["thai_date"] = shown_date
    return env
