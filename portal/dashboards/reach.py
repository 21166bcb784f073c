"""Who reaches the portal: the optional answers people gave about themselves (age band,
sex, disability, nationality, preferred language), counted per answer for a selection of
cases, and the share of the requests received that carried them.

The figures are published with the public statistics' small-cell suppression
(``suppression.suppress_counts``): a count under 5 is never shown, nor a count or share from
which one could be worked out. They leave here already suppressed, so that no snapshot
holds a small count; and without labels, so that each page names the answers in its
reader's language. Only the answers still held are counted: those of a case whose
personal data was erased are gone with it.
"""

from django.db.models import Count, Q

from agencies.permissions import DashboardScope
from portal.dashboards.filters import Selection, case_filter
from portal.dashboards.suppression import SMALL_CELL, SUPPRESSED, WITHHELD, suppress_counts
from referrals.models import EqualAccessAnswers

QUESTIONS = EqualAccessAnswers.QUESTIONS


def answers_of(question: str) -> list[str]:
    """The answers a question offers, in the form's order."""
    return [value for value, _label in EqualAccessAnswers._meta.get_field(question).choices]


def _counts(selection: Selection, scope: DashboardScope) -> dict:
    """``{"answered": n, (question, answer): n}`` for the cases of the selection, in one
    query over the answers (a table of the consenting few, joined to their cases)."""
    aliases = {
        f"{question}_{number}": (question, answer)
        for question in QUESTIONS
        for number, answer in enumerate(answers_of(question))
    }
    found = EqualAccessAnswers.objects.filter(case_filter(selection, scope, "case__")).aggregate(
        answered=Count("pk"),
        **{
            alias: Count("pk", filter=Q(**{question: answer}))
            for alias, (question, answer) in aliases.items()
        },
    )
    return {"answered": found["answered"]} | {key: found[alias] for alias, key in aliases.items()}


def _count(n: int):
    return n if n >= SMALL_CELL else SUPPRESSED


def _share(part, whole: int):
    """``part`` in percent of ``whole``, withheld with a count that is."""
    if not isinstance(part, int) or part < SMALL_CELL or not whole:
        return WITHHELD
    return round(100 * part / whole, 1)


def who_reaches(selection: Selection, scope: DashboardScope, received: int) -> dict:
    """The published figures, ``received`` being the number of requests of the selection:

    ``{"answered": n, "share": percent of received, "questions": {question: {"answered":
    n, "share": percent of received, "answers": [{"answer": code, "count": n, "share":
    percent of those who answered the question}]}}}``, each figure a number or the sign
    that stands for it withheld.
    """
    counts = _counts(selection, scope)
    questions = {}
    for question in QUESTIONS:
        answers = answers_of(question)
        raw = [counts[question, answer] for answer in answers]
        answered = sum(raw)
        published = suppress_counts(raw)
        questions[question] = {
            "answered": _count(answered),
            "share": _share(answered, received),
            "answers": [
                {
                    "answer": answer,
                    "count": SUPPRESSED if count is None else count,
                    "share": _share(count, answered),
                }
                for answer, count in zip(answers, published, strict=True)
            ],
        }
    return {
        "answered": _count(counts["answered"]),
        "share": _share(counts["answered"], received),
        "questions": questions,
    }
