"""The section "Who reaches the portal", on the overview (for inspectors) and on the public
statistics: how many requests carried an answer to each optional question, then each
question's answers, named in the reader's language."""

from django.utils.translation import gettext as _

from portal.dashboards.reach import QUESTIONS
from portal.dashboards.suppression import sign_notes
from portal.dashboards.tables import PERCENT, TEXT, Column, Table
from referrals.models import EqualAccessAnswers


def _question(name: str):
    return EqualAccessAnswers._meta.get_field(name)


def reach_tables(published: dict) -> list[Table]:
    """The tables of ``reach.who_reaches``'s figures: ``reach`` (each question answered),
    then ``reach_<question>`` (its answers)."""
    answered = Table(
        "reach",
        _("The optional questions: how many requests carried an answer"),
        [
            Column("question", _("Question"), TEXT),
            Column("answered", _("Requests with an answer")),
            Column("share", _("Share of the requests received (percent)"), PERCENT),
        ],
        [
            {
                "question": _("Any of the questions"),
                "answered": published["answered"],
                "share": published["share"],
            },
            *(
                {
                    "question": _question(name).verbose_name,
                    "answered": published["questions"][name]["answered"],
                    "share": published["questions"][name]["share"],
                }
                for name in QUESTIONS
            ),
        ],
    )
    tables = [answered]
    for name in QUESTIONS:
        labels = dict(_question(name).choices)
        tables.append(
            Table(
                f"reach_{name}",
                str(_question(name).verbose_name),
                [
                    Column("answer", _("Answer"), TEXT),
                    Column("count", _("Requests")),
                    Column("share", _("Share of those who answered (percent)"), PERCENT),
                ],
                [
                    {"answer": labels[row["answer"]], "count": row["count"], "share": row["share"]}
                    for row in published["questions"][name]["answers"]
                ],
            )
        )
    return tables


def reach_notes(tables: list[Table]) -> list[tuple[str, str]]:
    """What each sign standing in the tables means."""
    return sign_notes([row for table in tables for row in table.rows])
