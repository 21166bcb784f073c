"""Small-cell suppression: how a published figure resting on fewer than ``SMALL_CELL``
cases is withheld, so that no one can be singled out, and the signs that stand in its
place. The public statistics (``public``) and the counts of who reaches the portal
(``reach``) publish by these rules."""

from django.utils.translation import gettext_lazy

SMALL_CELL = 5
# The signs that stand for a withheld figure, each with its own meaning, so that none
# reads as a value: a count under 5 ("<5"); a count withheld although it is 5 or more, so
# that a smaller one withheld beside it cannot be worked out from the total (secondary
# suppression); a median, share or average computed from fewer than 5 cases, which says
# nothing of the number of cases and must not read as "under 5 hours" or "under 5 points".
SUPPRESSED = f"<{SMALL_CELL}"
WITHHELD = "*"
NOT_COMPUTED = "—"
SIGNS = (SUPPRESSED, WITHHELD, NOT_COMPUTED)


def signs_in(rows: list[dict]) -> list[str]:
    """The signs that stand in ``rows`` (already ``shown``), in the order of ``SIGNS``."""
    found = {value for row in rows for value in row.values() if isinstance(value, str)}
    return [sign for sign in SIGNS if sign in found]


SIGN_NOTES = {
    SUPPRESSED: gettext_lazy(
        "fewer than %(small_cell)s: the number is not shown, so that no one can be singled out."
    ),
    WITHHELD: gettext_lazy(
        "not shown either, so that a smaller number beside it cannot be worked out from the total."
    ),
    NOT_COMPUTED: gettext_lazy(
        "not worked out: fewer than %(small_cell)s cases to work it out from (resolved, "
        "with a deadline, or rated)."
    ),
}


def sign_notes(rows: list[dict]) -> list[tuple[str, str]]:
    """(sign, what it means) for each sign that stands in ``rows``."""
    return [(sign, str(SIGN_NOTES[sign]) % {"small_cell": SMALL_CELL}) for sign in signs_in(rows)]


def suppress_counts(counts: list[int]) -> list:
    """Counts that add up to a published total, as published: each under 5 withheld
    (None); where a single one is, the next smallest is withheld too (``WITHHELD``), so
    that it cannot be worked out from the total."""
    published = [count if (count or 0) >= SMALL_CELL else None for count in counts]
    hidden = [value for value in published if value is None]
    shown = [(counts[i], i) for i, value in enumerate(published) if value is not None]
    if len(hidden) == 1 and shown:
        published[min(shown)[1]] = WITHHELD
    return published
