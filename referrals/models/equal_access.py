"""Who reaches the portal: optional answers about the person, kept for statistics alone."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from referrals.models.cases import Case


class AgeBand(models.TextChoices):
    UNDER_18 = "under_18", _("Under 18")
    FROM_18 = "18_24", _("18 to 24")
    FROM_25 = "25_39", _("25 to 39")
    FROM_40 = "40_59", _("40 to 59")
    FROM_60 = "60_plus", _("60 or older")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    ANOTHER = "another", pgettext_lazy("sex", "Another")
    NOT_SAID = "not_said", _("Prefer not to say")


class Disability(models.TextChoices):
    YES = "yes", _("With a disability")
    NO = "no", _("Without a disability")
    NOT_SAID = "not_said", _("Prefer not to say")


class Nationality(models.TextChoices):
    THAI = "thai", pgettext_lazy("nationality", "Thai")
    STATELESS = "stateless", _("Stateless, or without a Thai ID card")
    OTHER = "other", _("Another nationality")


class Language(models.TextChoices):
    THAI = "th", _("Thai")
    ENGLISH = "en", _("English")
    LOCAL = "local", _("A local or ethnic language (such as Kham Mueang, Isan, Malay or Karen)")
    SIGN = "sign", _("Thai Sign Language")
    NEIGHBOUR = "neighbour", _("Burmese, Khmer, Lao or another language of a neighbouring country")
    OTHER = "other", _("Another language")


class EqualAccessAnswers(models.Model):
    """What a person chose to tell about themselves so that the portal can count whom it
    reaches, and whom it does not: age band, sex, disability, nationality or
    statelessness, preferred language. Each question may be skipped (blank).

    A table of its own, one row per case at most, rather than columns of ``Case``:
    - the answers are for statistics alone, never for handling the case. Nothing that
      loads, lists, serialises or exports a case (the staff case page, the queue, the API,
      the administrators' case page) reads this table, so none can show them by mistake;
      only the dashboards' counts (``portal.dashboards.reach``) and the citizen's own data
      download read it;
    - a row exists only when the person gave their consent and answered something: the
      million-row case table, and the covering index the dashboards read it by, stay as
      they are;
    - erasing the answers (with the rest of the personal data, ``anonymise_case``) is
      deleting the row.

    Each answer is kept only with its consent, recorded with its moment: ``consent_at``
    for the age band, sex, nationality and language; ``disability_consent_at`` for
    disability, which is sensitive data (PDPA section 26) and needs its own explicit
    consent. The constraints hold that rule in the database too.
    """

    QUESTIONS = ("age_band", "sex", "disability", "nationality", "language")

    case = models.OneToOneField(
        Case,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="equal_access",
        verbose_name=_("case"),
    )
    age_band = models.CharField(_("Age"), max_length=10, choices=AgeBand.choices, blank=True)
    sex = models.CharField(_("Sex"), max_length=10, choices=Sex.choices, blank=True)
    disability = models.CharField(
        _("Disability"), max_length=10, choices=Disability.choices, blank=True
    )
    nationality = models.CharField(
        _("Nationality"), max_length=10, choices=Nationality.choices, blank=True
    )
    language = models.CharField(
        _("Preferred language"), max_length=10, choices=Language.choices, blank=True
    )
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    disability_consent_at = models.DateTimeField(
        _("explicit consent on disability given"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("answers on who reaches the portal")
        verbose_name_plural = _("answers on who reaches the portal")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent_at__isnull=False)
                | models.Q(age_band="", sex="", nationality="", language=""),
                name="equal_access_answers_with_consent",
            ),
            models.CheckConstraint(
                condition=models.Q(disability_consent_at__isnull=False) | models.Q(disability=""),
                name="equal_access_disability_with_consent",
            ),
        ]

    def __str__(self) -> str:
        return str(self.case_id)
