"""Help categories, cases, referrals, their timeline, attachments and the read audit log."""

import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from agencies.bilingual import BilingualName, pick
from agencies.models import Agency
from strategies.models import Indicator, Project, Strategy


class CategoryGroup(BilingualName):
    """A few kinds of help under one plain name, so that the public form shows a short
    list of groups to open rather than every kind at once."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("group of help categories")
        verbose_name_plural = _("groups of help categories")


class Category(BilingualName):
    """What a citizen asks help for, in words they recognise.

    The category decides the agency that leads a new case, the strategy of the action plan
    it serves, and whether its cases are restricted to the officers assigned to them.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    description_th = models.TextField(_("description (Thai)"))
    description_en = models.TextField(_("description (English)"))
    lead_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="led_categories",
        verbose_name=_("default lead agency"),
    )
    strategy = models.ForeignKey(
        Strategy, on_delete=models.PROTECT, related_name="categories", verbose_name=_("strategy")
    )
    is_restricted = models.BooleanField(
        _("restricted"),
        default=False,
        help_text=_(
            "Cases of this category are seen only by the officers assigned, their "
            "supervisors and the agency's CCEO (witness protection, trafficking, violence)."
        ),
    )
    is_sensitive = models.BooleanField(
        _("sensitive data"),
        default=False,
        help_text=_(
            "Requests of this kind hold health, disability or criminal information: the "
            "citizen must give explicit consent (PDPA section 26)."
        ),
    )
    default_project = models.ForeignKey(
        Project,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="default_for_categories",
        verbose_name=_("default project"),
        help_text=_("Proposed at triage as the project under which a case of this kind is served."),
    )
    # The filter of the action plan's computed indicators, as data: an indicator that names
    # kinds of help counts only their cases. Kept here because this app sits above strategies.
    indicators = models.ManyToManyField(
        Indicator,
        blank=True,
        related_name="categories",
        verbose_name=_("counted by the indicators"),
    )
    group = models.ForeignKey(
        CategoryGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="categories",
        verbose_name=_("group"),
        help_text=_("Empty: shown on its own after the groups, as “Something else” is."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("help category")
        verbose_name_plural = _("help categories")

    @property
    def description(self) -> str:
        return pick(self.description_th, self.description_en)


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CITIZEN = "waiting_citizen", _("Waiting for the citizen")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Out of scope")
    DUPLICATE = "duplicate", _("Duplicate")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_CASE_STATUSES = frozenset({CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CITIZEN})


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")
    HOTLINE_1111 = "hotline_1111", _("1111 Government Complaint Center")
    API = "api", _("Agency system (API)")
    TRAFFY = "traffy", _("Traffy Fondue")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class SafeChannel(models.TextChoices):
    """How a person at risk may be contacted without putting them in danger."""

    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    LINE = "line", _("LINE")
    TRACKING_PAGE = "tracking_page", _("Only through the tracking page")


# The columns the dashboards' figures read of a period's cases (the covering indexes).
FIGURES = [
    "id",
    "lead_agency",
    "province",
    "district",
    "category",
    "project",
    "channel",
    "status",
    "resolved_at",
    "due_at",
    "acknowledge_seconds",
    "resolve_seconds",
    "resolved_in_time",
]


class Case(models.Model):
    """One citizen's request, from submission until it is closed.

    ``reference`` is public and short enough to read out on the phone; ``secret_hash``
    keeps a keyed hash of the verification secret that the citizen alone holds. The
    national ID is kept encrypted, with a keyed hash for look-ups. ``version`` grows with
    every change, so that two people acting on what they saw cannot both win.
    """

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    secret_hash = models.CharField(max_length=64, editable=False)
    citizen_name = models.CharField(_("name"), max_length=200)
    citizen_phone = models.CharField(_("phone"), max_length=12)
    citizen_email = models.EmailField(_("email"), blank=True)
    # Until the citizen proves the address is theirs (the link sent to it, opened with the
    # request's secret), it receives nothing but that link.
    citizen_email_confirmed_at = models.DateTimeField(
        _("email confirmed"), null=True, blank=True, editable=False
    )
    national_id_encrypted = models.TextField(blank=True, editable=False)
    national_id_hash = models.CharField(max_length=64, blank=True, editable=False)
    # How to reach a person at risk safely (asked for the restricted kinds of help): the
    # safe word is kept encrypted like the national ID.
    safe_channel = models.CharField(
        _("safe way to contact"),
        max_length=20,
        choices=SafeChannel.choices,
        blank=True,
        default="",
        db_default="",
    )
    safe_hours = models.CharField(
        _("safe hours to contact"), max_length=100, blank=True, default="", db_default=""
    )
    no_message = models.BooleanField(_("do not leave a message"), default=False, db_default=False)
    safe_word_encrypted = models.TextField(blank=True, editable=False, default="", db_default="")
    in_danger_now = models.BooleanField(_("in danger now"), default=False, db_default=False)
    # The language the citizen used the portal in: every message to them is in it.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="th", db_default="th"
    )
    # How the citizen chose to hear of their case (none of them: the tracking page only).
    # Email goes to a confirmed address, SMS to the phone, LINE to the accounts linked
    # to the case; see ``referrals.notifications.citizen_messages``.
    notify_email = models.BooleanField(_("by email"), default=True, db_default=True)
    notify_sms = models.BooleanField(_("by SMS"), default=False, db_default=False)
    notify_line = models.BooleanField(_("by LINE"), default=False, db_default=False)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("help category"),
        db_index=False,  # case_category_created serves it
    )
    province = models.ForeignKey(
        "agencies.Province",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("province"),
        db_index=False,  # case_province_created serves it
    )
    district = models.ForeignKey(
        "agencies.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district"),
    )
    subdistrict = models.ForeignKey(
        "agencies.Subdistrict",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subdistrict"),
    )
    # Where the problem is, when the channel gives a point (Traffy Fondue's GPS, WGS84).
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    description = models.TextField(_("description"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW
    )
    # Indexed by case_agency_status_created, which starts with it (no index of its own: a
    # second one to write with every case and no read it serves better).
    lead_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="led_cases",
        verbose_name=_("lead agency"),
        db_index=False,
    )
    lead_office = models.ForeignKey(
        "agencies.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_cases",
        verbose_name=_("lead office"),
    )
    # Indexed by case_assignee_status, which starts with it.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned officer"),
        db_index=False,
    )
    is_restricted = models.BooleanField(_("restricted"), default=False)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("project"),
        help_text=_("The project of the action plan under which the case is served."),
    )
    public_answer = models.TextField(
        _("answer to the citizen"),
        blank=True,
        help_text=_("Why the case was rejected or how it was resolved, shown to the citizen."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recorded_cases",
        verbose_name=_("recorded by"),
    )
    created_by_key = models.ForeignKey(
        "agencies.AgencyApiKey",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by the system"),
    )
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Database defaults too: bulk loads (COPY) that predate these columns leave them out.
    privacy_notice_version = models.CharField(
        _("privacy notice shown"), max_length=20, blank=True, editable=False, db_default=""
    )
    sensitive_consent_at = models.DateTimeField(
        _("explicit consent to sensitive data"), null=True, blank=True, editable=False
    )
    anonymised_at = models.DateTimeField(
        _("personal data erased"), null=True, blank=True, editable=False
    )
    # The earliest open deadline of the case itself and its reminder point, copied from
    # its deadlines so that the queue shows and filters them without a join.
    due_at = models.DateTimeField(_("due"), null=True, blank=True, editable=False)
    due_warning_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The figures of the dashboards, kept when the deadline they measure ends: business
    # seconds the lead agency took to acknowledge and to resolve (its clock stopped while
    # waiting for the citizen), and whether the resolution came within its deadline.
    acknowledge_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    resolve_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    resolved_in_time = models.BooleanField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            # Given to an agency's group when its part in the case ends (PDPA sections 22,
            # 37): it reads what it did, not the person (agencies.permissions).
            ("view_case_history", _("Can view the history of a case without personal data")),
        ]
        indexes = [
            models.Index(
                fields=["lead_agency", "status", "-created_at"], name="case_agency_status_created"
            ),
            models.Index(fields=["assigned_to", "status"], name="case_assignee_status"),
            # "Assigned to me", newest first, reads only the officer's open cases.
            models.Index(
                fields=["assigned_to", "-created_at"],
                condition=models.Q(status__in=[s for s in CaseStatus if s in OPEN_CASE_STATUSES]),
                name="case_open_assignee_created",
            ),
            models.Index(fields=["citizen_phone"], name="case_phone"),
            models.Index(fields=["national_id_hash"], name="case_national_id_hash"),
            models.Index(fields=["-created_at"], name="case_created"),
            # Queue filters, newest first: a filtered page reads only its own rows.
            models.Index(fields=["province", "-created_at"], name="case_province_created"),
            models.Index(fields=["category", "-created_at"], name="case_category_created"),
            models.Index(fields=["status", "-created_at"], name="case_status_created"),
            # The retention job: finished cases whose personal data is still held.
            models.Index(
                fields=["closed_at"],
                condition=models.Q(anonymised_at__isnull=True, closed_at__isnull=False),
                name="case_closed_with_data",
            ),
            # The overdue tab: an agency's open cases by due time.
            models.Index(
                fields=["lead_agency", "due_at"],
                condition=models.Q(due_at__isnull=False),
                name="case_agency_due",
            ),
            # The dashboards: a period's cases with every column their figures read (the id
            # for the referrals, ratings and events joined to them), so that PostgreSQL
            # answers from the index alone (an index-only scan); and the same, lead agency
            # first, for the views of one agency's readers, which then read that agency's
            # cases only instead of the period's.
            models.Index(fields=["created_at"], include=FIGURES, name="case_period_figures"),
            models.Index(
                fields=["lead_agency", "created_at"],
                include=[name for name in FIGURES if name != "lead_agency"],
                name="case_agency_figures",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("staff:case", args=[self.reference])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CASE_STATUSES

    def chosen_channels(self) -> list[str]:
        """The names of the channels the citizen chose to hear on (none: the tracking
        page alone), for the pages; who is really reached is ``citizen_addresses``'s."""
        return channel_names(
            code
            for code, chosen in (
                (SafeChannel.EMAIL, self.notify_email and bool(self.citizen_email)),
                (SafeChannel.SMS, self.notify_sms),
                (SafeChannel.LINE, self.notify_line),
            )
            if chosen
        )


def channel_names(codes) -> list[str]:
    """The names of channels given by their codes ("email", "sms", "line")."""
    return [str(SafeChannel(code).label) for code in codes if code in SafeChannel.values]


class CaseUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's direct foreign key to cases (faster than its generic table)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("case permission of a user")
        verbose_name_plural = _("case permissions of users")


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    """An agency group's permission on one case, granted when the case reaches the agency."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)
    # Indexed by the unique (group, permission, case) that guardian declares.
    group = models.ForeignKey(Group, on_delete=models.CASCADE, db_index=False)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("case permission of an agency")
        verbose_name_plural = _("case permissions of agencies")


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_REFERRAL_STATUSES = frozenset({ReferralStatus.PENDING, ReferralStatus.ACCEPTED})


class Referral(models.Model):
    """A request from the lead agency to another agency to help with a case."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="referrals", verbose_name=_("case")
    )
    from_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("from agency")
    )
    # Indexed by referral_agency_status, which starts with it.
    to_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="incoming_referrals",
        verbose_name=_("to agency"),
        db_index=False,
    )
    to_office = models.ForeignKey(
        "agencies.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_referrals",
        verbose_name=_("to office"),
    )
    reason = models.TextField(_("what help is asked for"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReferralStatus.choices,
        default=ReferralStatus.PENDING,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("referred by"),
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_at = models.DateTimeField(_("referred"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    due_at = models.DateTimeField(_("answer due"), null=True, blank=True, editable=False)
    due_warning_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Business seconds the agency asked took to accept or decline (for the dashboards).
    answer_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(
                fields=["to_agency", "status", "-created_at"], name="referral_agency_status"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "to_agency"],
                condition=models.Q(
                    status__in=[s for s in ReferralStatus if s in OPEN_REFERRAL_STATUSES]
                ),
                name="one_open_referral_per_agency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} → {self.to_agency.code}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFERRAL_STATUSES


class EventKind(models.TextChoices):
    CREATED = "created", _("Request received")
    ACCEPTED = "accepted", _("Accepted by the agency")
    REJECTED = "rejected", _("Out of scope")
    MARKED_DUPLICATE = "duplicate", _("Joined to another request")
    TRANSFERRED = "transferred", _("Lead passed to another agency")
    OFFICE_CHANGED = "office_changed", _("Passed to another office")
    ASSIGNED = "assigned", _("Officer assigned")
    NOTE = "note", _("Note")
    INFORMATION_REQUESTED = "information_requested", _("Information requested")
    INFORMATION_RECEIVED = "information_received", _("Information received")
    REFERRED = "referred", _("Referred to an agency")
    REFERRAL_ACCEPTED = "referral_accepted", _("Referral accepted")
    REFERRAL_DECLINED = "referral_declined", _("Referral declined")
    REFERRAL_COMPLETED = "referral_completed", _("Help given by an agency")
    REFERRAL_CANCELLED = "referral_cancelled", _("Referral cancelled")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CLOSED_AUTOMATICALLY = "closed_automatically", _("Closed: no answer in the confirmation period")
    REOPENED = "reopened", _("Reopened")
    RESTRICTION_CHANGED = "restriction_changed", _("Access restriction changed")
    ATTACHMENT_ADDED = "attachment_added", _("File added")
    WITHDRAWN = "withdrawn", _("Withdrawn by the citizen")
    RATED = "rated", _("Service rated")
    ERASURE_REQUESTED = "erasure_requested", _("Erasure of personal data requested")
    ERASURE_REFUSED = "erasure_refused", _("Erasure of personal data refused")
    ANONYMISED = "anonymised", _("Personal data erased")
    CLASSIFIED = "classified", _("Help category or priority changed")
    DEADLINE_REMINDER = "deadline_reminder", _("Deadline reminder sent")
    DEADLINE_ESCALATED = "deadline_escalated", _("Deadline passed: escalated")
    LINE_LINKED = "line_linked", _("LINE account linked")
    LINE_UNLINKED = "line_unlinked", _("LINE account unlinked")
    SECRET_CHANGED = "secret_changed", _("Verification secret replaced")
    CHANNELS_CHANGED = "channels_changed", _("Ways of sending news changed")
    PROPOSED = "proposed", _("Proposed for a supervisor's approval")
    PROPOSAL_REJECTED = "proposal_rejected", _("Proposal not approved")
    PROPOSAL_WITHDRAWN = "proposal_withdrawn", _("Proposal withdrawn")
    TRANSFER_OFFERED = "transfer_offered", _("Lead offered to another agency")
    TRANSFER_RETURNED = "transfer_returned", _("Transfer returned to the former lead")
    OUTSIDE_LINKED = "outside_linked", _("Linked to a case of an outside system")
    FORWARDING_STOPPED = "forwarding_stopped", _("Forwarding between systems stopped")
    OUTSIDE_NEWS = "outside_news", _("News from an outside system")


class CaseEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(_("The timeline cannot be changed."))

    def delete(self):
        raise AppendOnlyError(_("The timeline cannot be changed."))

    def redact(self) -> int:
        """Blank the words of these events, keeping what happened and when.

        The one exception to append-only, for the erasure of a citizen's personal data
        (PDPA section 33): messages and details may name the person; the facts stay for
        the statistics.
        """
        return super().update(message="", payload={})


class AppendOnlyError(Exception):
    pass


class CurrentTransaction(models.Func):
    """The id of the transaction that writes the row (PostgreSQL's ``pg_current_xact_id``).

    The changes feed reads events in the order of their transactions and only those older
    than every transaction still running, so that an event committed late is never skipped.
    SQLite writes one transaction at a time: there, ids alone give that order (NULL here).
    """

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection, **extra):
        return "NULL", []

    def as_postgresql(self, compiler, connection, **extra):
        return "(pg_current_xact_id()::text::bigint)", []


class CaseEvent(models.Model):
    """One line of a case's timeline. Append-only: it is written once and never changed."""

    # Indexed by event_case_created, which starts with it: at a million cases the index of
    # its own was 60 MB more to write with every line of every timeline.
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("case"),
        db_index=False,
    )
    # Indexed where set (event_referral): three lines in four concern no referral.
    referral = models.ForeignKey(
        Referral,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("referral"),
        db_index=False,
    )
    kind = models.CharField(_("what"), max_length=30, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    # An agency's system acting through the API (its key), when no person did. Indexed
    # where set (event_actor_key), and not copied for LIKE as a text key would be: nothing
    # searches keys by their beginning.
    actor_key = models.ForeignKey(
        "agencies.AgencyApiKey",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("system"),
        db_index=False,
    )
    actor_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agency"),
    )
    is_public = models.BooleanField(_("shown to the citizen"), default=False)
    by_citizen = models.BooleanField(_("by the citizen"), default=False, db_default=False)
    message = models.TextField(_("message"), blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    transaction_id = models.BigIntegerField(
        null=True, blank=True, editable=False, db_default=CurrentTransaction()
    )

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [
            models.Index(fields=["case", "created_at"], name="event_case_created"),
            # The dashboards' list of cases passed from agency to agency.
            models.Index(
                fields=["case"], condition=models.Q(kind="transferred"), name="event_transfers"
            ),
            # The API's changes feed, in the order the events were committed.
            models.Index(fields=["transaction_id", "id"], name="event_feed"),
            models.Index(
                fields=["referral"],
                condition=models.Q(referral__isnull=False),
                name="event_referral",
            ),
            models.Index(
                fields=["actor_key"],
                condition=models.Q(actor_key__isnull=False),
                name="event_actor_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError(_("The timeline cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(_("The timeline cannot be changed."))

    def channels_chosen(self) -> list[str]:
        """For a change of the citizen's channels: the names of those chosen."""
        return channel_names(self.payload.get("channels", ()))


def attachment_path(attachment, filename: str) -> str:
    # The stored name is random: the citizen's file name never reaches the file system.
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{attachment.extension}"


class Attachment(models.Model):
    """A file of a case, checked by its content and served only through a permission check."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("case")
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ""
        )


class PersonalDataAccess(models.Model):
    """Who looked at a citizen's personal data, and when: the audit log of reads."""

    class Action(models.TextChoices):
        VIEW_CASE = "view_case", _("Opened the case")
        VIEW_ATTACHMENT = "view_attachment", _("Opened a file")
        PRINT_SLIP = "print_slip", _("Printed the tracking slip")
        CITIZEN_EXPORT = "citizen_export", _("The citizen downloaded their data")
        ADMIN_VIEW = "admin_view", _("Opened it in the administration")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
        help_text=_("Empty when the citizen themselves downloaded their data."),
    )
    api_key = models.ForeignKey(
        "agencies.AgencyApiKey",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("system"),
        help_text=_("The agency's system that read it through the API."),
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("case")
    )
    action = models.CharField(_("what"), max_length=20, choices=Action.choices)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.case_id}"
