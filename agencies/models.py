"""Agencies of the MOU, their provincial offices, their staff, and Thailand's geography."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from agencies.bilingual import BilingualName, pick


class Province(BilingualName):
    """One of the 77 provinces, keyed by its two-digit DOPA code (from ``geothai``)."""

    code = models.CharField(_("code"), max_length=2, primary_key=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")


class District(BilingualName):
    """An amphoe or khet, keyed by its four-digit DOPA code."""

    code = models.CharField(_("code"), max_length=4, primary_key=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="districts", verbose_name=_("province")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")


class Subdistrict(BilingualName):
    """A tambon or khwaeng, keyed by its six-digit DOPA code."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="subdistricts", verbose_name=_("district")
    )
    postal_codes = models.CharField(
        _("postal codes"), max_length=60, blank=True, help_text=_("Separated by spaces.")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("subdistrict")
        verbose_name_plural = _("subdistricts")


class Agency(BilingualName):
    """One of the MOU's signatory agencies.

    Each agency has its own auth group: object permissions on cases are granted to the
    group (not to each user), and a membership puts its user in the group.
    """

    code = models.CharField(_("code"), max_length=10, unique=True)
    short_name_th = models.CharField(
        _("Thai abbreviation"),
        max_length=20,
        blank=True,
        help_text=_("As Thai readers know it (ยธ., สธ., ตร. ...); English pages show the code."),
    )
    is_coordinator = models.BooleanField(
        _("coordinating agency"),
        default=False,
        help_text=_("The agency that coordinates the MOU (the Ministry of Justice)."),
    )
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    webhook_url = models.URLField(
        _("webhook address"),
        blank=True,
        help_text=_("The agency's own system receives its notifications here, as signed JSON."),
    )
    webhook_secret = models.CharField(
        _("webhook secret"),
        max_length=200,
        blank=True,
        help_text=_("Key of the HMAC-SHA256 signature in the X-Portal-Signature header."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, editable=False, related_name="agency", null=True
    )

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    @property
    def short_name(self) -> str:
        """The agency in a few letters, for tables: its Thai abbreviation on Thai pages, its
        code on English ones."""
        return pick(self.short_name_th or self.code, self.code)

    @staticmethod
    def group_name(code: str) -> str:
        return f"agency:{code}"

    def save(self, *args, **kwargs):
        if self.group_id is None:
            self.group, _created = Group.objects.get_or_create(name=self.group_name(self.code))
        super().save(*args, **kwargs)


class Office(BilingualName):
    """An agency's office: seated in one province, it handles the cases from there and,
    for a regional office, from the other provinces it serves (``agencies.offices``).
    Cases from a province no office serves go to the agency's central office (no office).
    """

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="offices", verbose_name=_("agency")
    )
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="offices", verbose_name=_("province")
    )
    serves = models.ManyToManyField(
        Province,
        blank=True,
        related_name="served_by",
        verbose_name=_("also serves"),
        help_text=_(
            "Other provinces whose cases this office handles (a regional office), where the "
            "agency has no office of its own."
        ),
    )
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["agency__sort_order", "province_id"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "province"], name="one_office_per_agency_and_province"
            )
        ]


class Role(models.TextChoices):
    INTAKE_OFFICER = "intake_officer", _("Intake officer")
    CASE_OFFICER = "case_officer", _("Case officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    CCEO = "cceo", _("Chief Complaint Executive Officer (CCEO)")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")


class Membership(models.Model):
    """A user's role in an agency, for the agency as a whole or for one of its offices."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("agency")
    )
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("office"),
        help_text=_("Empty for staff who work for the agency as a whole."),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["agency__sort_order", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="one_role_per_user_and_agency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.agency.code} · {self.get_role_display()}"

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            self._sync_group()

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            self._sync_group()
        return result

    def clean(self):
        if self.office_id and self.agency_id and self.office.agency_id != self.agency_id:
            raise ValidationError({"office": _("The office must belong to the same agency.")})

    def _sync_group(self):
        """Keep the user in the agency's group exactly while one active membership holds."""
        group = self.agency.group
        still_member = Membership.objects.filter(
            user_id=self.user_id, agency_id=self.agency_id, is_active=True
        ).exists()
        if still_member:
            self.user.groups.add(group)
        else:
            self.user.groups.remove(group)


class Inspector(models.Model):
    """A ministry inspector: reads every agency's dashboards, never citizens' personal data."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inspector",
        verbose_name=_("user"),
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspector")
        verbose_name_plural = _("inspectors")

    def __str__(self) -> str:
        return str(self.user)


class AgencyApiKey(AbstractAPIKey):
    """A key with which one agency's own system calls the portal's API.

    Stored hashed (djangorestframework-api-key): the key itself is shown once, when it is
    made. It acts for its agency with the rules of ``agencies.permissions.SystemCaller``;
    it is revoked or left to expire, never deleted once it has acted (the timeline names it).
    """

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="api_keys", verbose_name=_("agency")
    )
    can_write = models.BooleanField(
        _("may change cases"),
        default=False,
        help_text=_("Without it the key only reads: cases, referrals, timelines and files."),
    )
    can_see_restricted = models.BooleanField(
        _("may see restricted cases"),
        default=False,
        help_text=_(
            "Restricted cases (witness protection, trafficking, violence) stay hidden from "
            "the key unless this is granted."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("made by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    @property
    def is_usable(self) -> bool:
        return not self.revoked and not self.has_expired and self.agency.is_active


class MemberChange(models.Model):
    """One change an agency's administrator made to its members, written by the service
    that made it, in the same transaction: who did what to whom, the membership before and
    after (role, office, active), and when. Never edited or deleted; the agency's CCEOs and
    administrators read it (``permissions.member_audit_agency_ids``)."""

    class Action(models.TextChoices):
        INVITED = "invited", _("Invited")
        ADDED = "added", _("Added (existing account)")
        CHANGED = "changed", _("Role or office changed")
        SUSPENDED = "suspended", _("Suspended")
        REACTIVATED = "reactivated", _("Reactivated")
        REMOVED = "removed", _("Removed")
        PASSWORD_RESET = "password_reset", _("Password reset")

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="member_changes", verbose_name=_("agency")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("changed by"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="member_changes",
        verbose_name=_("member"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("change to members")
        verbose_name_plural = _("changes to members")
        indexes = [models.Index(fields=["agency", "-at"], name="member_change_agency_at")]

    def __str__(self) -> str:
        return f"{self.agency.code} · {self.get_action_display()} · {self.member}"
