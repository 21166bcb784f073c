"""Connections to outside systems, the link of each outside case to ours, the values their
lists use, and the log of every exchange."""

import json
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, AgencyApiKey, District, Province
from referrals import identity
from referrals.models import Case, CaseStatus, Category, Notification


class System(models.TextChoices):
    GCC_1111 = "gcc1111", _("1111 Government Complaint Center")
    TRAFFY = "traffy", _("Traffy Fondue")


class Connection(models.Model):
    """One agency's account with an outside system: where it is, its credentials (kept
    encrypted), and whether it is on. Whatever comes in through it is done in its name on
    the timeline, by its own key (``caller``), so that what came from a system is known
    and never sent back there."""

    system = models.CharField(_("system"), max_length=20, choices=System.choices)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="connections", verbose_name=_("agency")
    )
    endpoint = models.URLField(
        _("address of the service"),
        blank=True,
        help_text=_("Left empty for 1111 when its complaints come as files only."),
    )
    username = models.CharField(_("user name"), max_length=200, blank=True)
    # A JSON object of the secrets (password, webhook secret ...), Fernet-encrypted.
    credentials_encrypted = models.TextField(blank=True, editable=False)
    is_enabled = models.BooleanField(_("on"), default=False)
    key = models.OneToOneField(
        AgencyApiKey,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="connection",
        verbose_name=_("key on the timeline"),
    )
    # Incremental polling: the time of the newest change already read from the system.
    read_up_to = models.DateTimeField(_("read up to"), null=True, blank=True)
    last_exchange_at = models.DateTimeField(_("last exchange"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last failure"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("connection to an outside system")
        verbose_name_plural = _("connections to outside systems")
        ordering = ["system", "agency__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["system", "agency"], name="one_connection_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.get_system_display()} · {self.agency.code}"

    @property
    def credentials(self) -> dict:
        if not self.credentials_encrypted:
            return {}
        return json.loads(identity.decrypt(self.credentials_encrypted))

    @credentials.setter
    def credentials(self, values: dict) -> None:
        kept = {name: value for name, value in values.items() if value}
        self.credentials_encrypted = identity.encrypt(json.dumps(kept)) if kept else ""

    def credential(self, name: str) -> str:
        return self.credentials.get(name, "")


class ExternalCase(models.Model):
    """A case of an outside system that is (or is part of) one of our cases. Unique per
    system and outside number, so that reading the same complaint twice changes nothing."""

    system = models.CharField(_("system"), max_length=20, choices=System.choices)
    external_id = models.CharField(_("number there"), max_length=100)
    connection = models.ForeignKey(
        Connection, on_delete=models.PROTECT, related_name="links", verbose_name=_("connection")
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="external_links", verbose_name=_("case")
    )
    # The key the system's service knows the case by, when it is not its number (1111's
    # CoreService: the case_id its operations take, beside the case_code people read).
    service_id = models.CharField(_("key in its service"), max_length=100, blank=True)
    # The last state seen in each direction, in the system's own words.
    state_in = models.CharField(_("last state received"), max_length=50, blank=True)
    state_out = models.CharField(_("last state sent"), max_length=50, blank=True)
    # How many times the case was forwarded between the systems; past the limit
    # (EXCHANGE_MAX_HOPS) no more forwarding goes out, and the coordinating ministry is told.
    hops = models.PositiveSmallIntegerField(_("times forwarded"), default=0)
    stopped_at = models.DateTimeField(_("forwarding stopped"), null=True, blank=True)
    created_at = models.DateTimeField(_("linked"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("case of an outside system")
        verbose_name_plural = _("cases of outside systems")
        constraints = [
            models.UniqueConstraint(
                fields=["system", "external_id"], name="one_link_per_external_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_system_display()} {self.external_id}"


class Exchange(models.Model):
    """One exchange with an outside system, in or out, and how it went: what the
    supervisors' page lists, with the reason of each failure."""

    class Direction(models.TextChoices):
        IN = "in", _("Received")
        OUT = "out", _("Sent")

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="exchanges", verbose_name=_("connection")
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    operation = models.CharField(_("operation"), max_length=50)
    external_id = models.CharField(_("number there"), max_length=100, blank=True)
    case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    ok = models.BooleanField(_("succeeded"))
    detail = models.TextField(_("details"), blank=True)
    # The outbox row of a message that went out (or failed to): retried from the page.
    notification = models.ForeignKey(
        Notification,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["connection", "-at"], name="exchange_connection_at"),
            models.Index(
                fields=["connection", "-at"], condition=models.Q(ok=False), name="exchange_failed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operation} ({'ok' if self.ok else 'failed'})"


class ValueMapping(models.Model):
    """What a value of an outside system's list means here: a complaint type is one of our
    help categories, an organisation one of the agencies, a place a province or district,
    a state one of our statuses. Kept in the admin; read when a case comes in."""

    class Kind(models.TextChoices):
        CATEGORY = "category", _("Type → help category")
        AGENCY = "agency", _("Organisation → agency")
        PROVINCE = "province", _("Place → province")
        DISTRICT = "district", _("Place → district")
        STATUS = "status", _("State → case status")

    system = models.CharField(_("system"), max_length=20, choices=System.choices)
    kind = models.CharField(_("list"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("code there"), max_length=100)
    label = models.CharField(_("name there"), max_length=300, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("case status"), max_length=20, choices=CaseStatus.choices, blank=True
    )

    class Meta:
        verbose_name = _("value of an outside list")
        verbose_name_plural = _("values of outside lists")
        ordering = ["system", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["system", "kind", "code"], name="one_mapping_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.code} {self.label}".strip()


class WebhookDelivery(models.Model):
    """A call of an outside system's webhook already handled, by the delivery's own id (or
    one made of what it carries): a system sends a call again when our answer did not
    reach it, and the second copy must change nothing. Unique per connection."""

    connection = models.ForeignKey(
        Connection,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("connection"),
    )
    delivery_id = models.CharField(_("delivery"), max_length=200)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook call received")
        verbose_name_plural = _("webhook calls received")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "delivery_id"], name="one_delivery_per_connection"
            )
        ]

    def __str__(self) -> str:
        return self.delivery_id


def import_path(run, filename: str) -> str:
    # A random stored name: the uploader's file name never reaches the file system.
    extension = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    return f"imports/1111/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


class ImportRun(models.Model):
    """One file of complaints that 1111 exported, imported for an agency: read in chunks by
    a worker, each chunk and its counts saved in one transaction, so that the page shows
    how far it is and a worker that stops leaves it where the next one continues."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Importing")
        FINISHED = "finished", _("Finished")

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="imports", verbose_name=_("agency")
    )
    connection = models.ForeignKey(
        Connection, on_delete=models.PROTECT, related_name="imports", verbose_name=_("connection")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    # Removed once every row is read: the complaints are cases by then.
    file = models.FileField(_("file"), upload_to=import_path, blank=True)
    # The language of the person who imported it: the reasons of refused rows are in it.
    language = models.CharField(_("language"), max_length=10, default="th")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows"))
    done = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("new cases"), default=0)
    linked = models.PositiveIntegerField(_("linked to a case"), default=0)
    unchanged = models.PositiveIntegerField(_("already imported"), default=0)
    failed = models.PositiveIntegerField(_("refused rows"), default=0)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The last chunk saved: a run that is not finished and has not moved for a while is
    # continued by the periodic job (its worker stopped, or the broker lost its task).
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("import of a 1111 file")
        verbose_name_plural = _("imports of 1111 files")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="import_agency_created"),
            models.Index(
                fields=["updated_at"],
                condition=~models.Q(status="finished"),
                name="import_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.agency.code})"

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else self.done * 100 // self.total_rows


class ImportProblem(models.Model):
    """A row of an imported file that did not become a case, and why (in the language of
    the person who imported it). Row numbers are the spreadsheet's: the header is row 1."""

    run = models.ForeignKey(
        ImportRun, on_delete=models.CASCADE, related_name="problems", verbose_name=_("import")
    )
    row = models.PositiveIntegerField(_("row"))
    number = models.CharField(_("complaint number"), max_length=100, blank=True)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("refused row")
        verbose_name_plural = _("refused rows")
        ordering = ["run", "row"]
        constraints = [models.UniqueConstraint(fields=["run", "row"], name="one_problem_per_row")]

    def __str__(self) -> str:
        return f"{self.row}: {self.reason}"
