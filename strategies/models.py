"""The MOU action plan: six strategies, their projects and activities, and the indicators
by which their progress is judged, each with a target per fiscal year (B.E.)."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.bilingual import BilingualName, pick
from agencies.models import Agency
from strategies.fiscal import fiscal_year_days

FISCAL_YEAR = [MinValueValidator(2500), MaxValueValidator(2700)]


class Strategy(BilingualName):
    """One of the six strategies (กลยุทธ์) of the action plan, numbered 1 to 6."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    name_th = models.CharField(_("name (Thai)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)

    class Meta:
        ordering = ["number"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Under way")
    COMPLETED = "completed", _("Completed")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")


class Project(BilingualName):
    """A project under a strategy, led by one agency with others taking part.

    It runs over fiscal years ``first_fiscal_year`` to ``last_fiscal_year`` (B.E.).
    """

    strategy = models.ForeignKey(
        Strategy, on_delete=models.PROTECT, related_name="projects", verbose_name=_("strategy")
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    name_th = models.CharField(_("name (Thai)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)
    lead_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="led_projects", verbose_name=_("lead agency")
    )
    participating_agencies = models.ManyToManyField(
        Agency,
        blank=True,
        related_name="projects",
        verbose_name=_("participating agencies"),
    )
    first_fiscal_year = models.PositiveSmallIntegerField(
        _("first fiscal year (B.E.)"), validators=FISCAL_YEAR
    )
    last_fiscal_year = models.PositiveSmallIntegerField(
        _("last fiscal year (B.E.)"), validators=FISCAL_YEAR
    )
    budget = models.DecimalField(
        _("budget (baht)"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["strategy__number", "code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_fiscal_year__gte=models.F("first_fiscal_year")),
                name="project_years_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self):
        if (
            self.first_fiscal_year
            and self.last_fiscal_year
            and self.last_fiscal_year < self.first_fiscal_year
        ):
            raise ValidationError(
                {"last_fiscal_year": _("The last fiscal year cannot come before the first.")}
            )

    @property
    def fiscal_years(self) -> range:
        return range(self.first_fiscal_year, self.last_fiscal_year + 1)

    def runs_in(self, fiscal_year: int) -> bool:
        return self.first_fiscal_year <= fiscal_year <= self.last_fiscal_year


class Activity(BilingualName):
    """A piece of work of a project, with its planned and actual dates and its progress."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="activities", verbose_name=_("project")
    )
    name_th = models.CharField(_("name (Thai)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    responsible_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("responsible agency"),
    )
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress (percent)"),
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["project", "planned_start", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def clean(self):
        errors = {}
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            errors["planned_end"] = _("The planned end cannot come before the planned start.")
        if self.actual_end and not self.actual_start:
            errors["actual_start"] = _("An activity that ended must have started.")
        elif self.actual_start and self.actual_end and self.actual_end < self.actual_start:
            errors["actual_end"] = _("The actual end cannot come before the actual start.")
        if self.actual_end and self.progress != 100:
            errors["progress"] = _("An activity that ended is 100 percent done.")
        if errors:
            raise ValidationError(errors)

    def timeliness(self, today: date | None = None) -> str:
        """``done``, ``late``, ``on_time`` or ``not_started``, as of ``today``."""
        today = today or timezone.localdate()
        if self.actual_end:
            return "late" if self.actual_end > self.planned_end else "done"
        if self.planned_end < today or (self.actual_start is None and self.planned_start < today):
            return "late"
        if self.actual_start is None:
            return "not_started"
        return "on_time"

    def overlaps(self, fiscal_year: int) -> bool:
        first, last = fiscal_year_days(fiscal_year)
        return self.planned_start <= last and self.planned_end >= first


class Measurement(models.TextChoices):
    REPORTED = "reported", _("Reported by the responsible agency each quarter")
    COMPUTED = "computed", _("Counted from the cases in the portal")


class CaseMetric(models.TextChoices):
    """What a computed indicator counts among the cases in its scope."""

    RECEIVED = "received", _("Requests received")
    RESOLVED = "resolved", _("Requests resolved")
    RESOLVED_IN_TIME = "resolved_in_time", _("Requests resolved within their deadline")
    RESOLVED_IN_TIME_SHARE = (
        "resolved_in_time_share",
        _("Share of resolved requests resolved within their deadline (percent)"),
    )
    REFERRALS_ANSWERED = "referrals_answered", _("Referrals answered by the agency asked")
    PEOPLE_HELPED = "people_helped", _("People helped (counted once each)")


class YearlyValue(models.TextChoices):
    SUM = "sum", _("Sum of the quarters")
    LATEST = "latest", _("Latest quarter reported")


class Indicator(models.Model):
    """A measure of a project's (or a whole strategy's) progress with a target per year.

    A reported indicator takes a value per quarter from the responsible agency's
    administrator, with evidence. A computed one is counted from the cases linked to the
    project (or to any project of the strategy), narrowed to the kinds of help chosen for it
    (``categories``, kept on the referrals side, which sits above this app): the filter is
    data, edited in the admin.
    """

    strategy = models.ForeignKey(
        Strategy,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("strategy"),
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("project"),
    )
    name_th = models.CharField(_("name (Thai)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)
    unit_th = models.CharField(_("unit (Thai)"), max_length=50)
    unit_en = models.CharField(_("unit (English)"), max_length=50)
    responsible_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="indicators",
        verbose_name=_("responsible agency"),
        help_text=_("Its administrators report the values of a reported indicator."),
    )
    measurement = models.CharField(
        _("measured"), max_length=20, choices=Measurement.choices, default=Measurement.REPORTED
    )
    yearly_value = models.CharField(
        _("value of a year"), max_length=10, choices=YearlyValue.choices, default=YearlyValue.SUM
    )
    metric = models.CharField(
        _("what is counted"), max_length=30, choices=CaseMetric.choices, blank=True
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(strategy__isnull=True, project__isnull=False)
                | models.Q(strategy__isnull=False, project__isnull=True),
                name="indicator_of_a_project_or_a_strategy",
            ),
            models.CheckConstraint(
                condition=models.Q(measurement="reported", metric="")
                | (models.Q(measurement="computed") & ~models.Q(metric="")),
                name="indicator_metric_when_computed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_th, self.name_en)

    @property
    def unit(self) -> str:
        return pick(self.unit_th, self.unit_en)

    @property
    def is_computed(self) -> bool:
        return self.measurement == Measurement.COMPUTED

    def clean(self):
        if bool(self.strategy_id) == bool(self.project_id):
            raise ValidationError(
                _("An indicator belongs to a project or to a strategy, not both.")
            )
        if self.measurement == Measurement.COMPUTED and not self.metric:
            raise ValidationError({"metric": _("Say what is counted from the cases.")})
        if self.measurement == Measurement.REPORTED and self.metric:
            raise ValidationError(
                {"metric": _("A reported indicator is not counted from the cases.")}
            )


class IndicatorTarget(models.Model):
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name=_("indicator")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (B.E.)"), validators=FISCAL_YEAR)
    target = models.DecimalField(
        _("target"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["fiscal_year"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "fiscal_year"], name="one_target_per_indicator_and_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.fiscal_year}: {self.target}"


class IndicatorValue(models.Model):
    """A quarter's value of a reported indicator, with the evidence behind it."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", verbose_name=_("indicator")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (B.E.)"), validators=FISCAL_YEAR)
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    value = models.DecimalField(
        _("value"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    evidence = models.TextField(_("evidence"))
    evidence_url = models.URLField(_("link to the evidence"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reported_at = models.DateTimeField(_("reported"), default=timezone.now)

    class Meta:
        ordering = ["fiscal_year", "quarter"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "fiscal_year", "quarter"],
                name="one_value_per_indicator_and_quarter",
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.fiscal_year} Q{self.quarter}: {self.value}"
