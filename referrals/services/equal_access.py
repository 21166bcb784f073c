"""The optional answers on who reaches the portal: which are kept (only those given with
their consent), storing them with a new case, and erasing them."""

from dataclasses import dataclass, fields

from django.core.exceptions import ValidationError
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from referrals.models import Case, EqualAccessAnswers

# The questions each consent covers: disability, sensitive data (PDPA section 26), has an
# explicit consent of its own.
CONSENTS = {
    "equal_access_consent": ("age_band", "sex", "nationality", "language"),
    "disability_consent": ("disability",),
}


@dataclass(frozen=True)
class EqualAccess:
    """What a person answered to the optional questions, and which consents they gave.
    Field names are those of the forms that ask them (public and intake)."""

    age_band: str = ""
    sex: str = ""
    disability: str = ""
    nationality: str = ""
    language: str = ""
    equal_access_consent: bool = False
    disability_consent: bool = False

    @classmethod
    def from_form(cls, data: dict) -> "EqualAccess":
        """The answers and consents among a form's cleaned data (none there: nothing)."""
        return cls(**{f.name: data[f.name] for f in fields(cls) if data.get(f.name)})

    def answered(self) -> list[str]:
        return [question for question in EqualAccessAnswers.QUESTIONS if getattr(self, question)]

    def kept(self) -> dict[str, str]:
        """The answers that are stored: those given with their consent."""
        return {
            question: getattr(self, question)
            for consent, questions in CONSENTS.items()
            if getattr(self, consent)
            for question in questions
            if getattr(self, question)
        }

    def dropped(self) -> list[str]:
        """The questions answered without their consent, in the form's order: nothing of
        them is stored, and the person is told so."""
        kept = self.kept()
        return [question for question in self.answered() if question not in kept]

    def dropped_names(self) -> str:
        """The questions ``dropped`` as a reader reads them, in the active language:
        "age, sex and nationality"."""
        return get_text_list(
            [
                str(EqualAccessAnswers._meta.get_field(question).verbose_name).lower()
                for question in self.dropped()
            ],
            _("and"),
        )


def validate(answers: EqualAccess) -> None:
    """Each answer is one of those offered (or blank): ValidationError by question."""
    errors = {}
    for question in answers.answered():
        offered = dict(EqualAccessAnswers._meta.get_field(question).choices)
        if getattr(answers, question) not in offered:
            errors[question] = [_("Choose one of the answers offered, or skip the question.")]
    if errors:
        raise ValidationError(errors)


def store(case: Case, answers: EqualAccess, now) -> EqualAccessAnswers | None:
    """Keep the answers given with their consent, with the moment of each consent; nothing
    when none was. Called by ``create_case`` inside its transaction."""
    kept = answers.kept()
    if not kept:
        return None
    return EqualAccessAnswers.objects.create(
        case=case,
        **kept,
        consent_at=now if answers.equal_access_consent else None,
        disability_consent_at=now if answers.disability_consent else None,
    )


def erase(case: Case) -> None:
    """Forget the answers (with the rest of the case's personal data)."""
    EqualAccessAnswers.objects.filter(case=case).delete()
