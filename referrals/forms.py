"""Forms of the staff pages. They check what a person typed; the services check the rest."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies import permissions
from agencies.collation import in_name_order
from agencies.models import Agency, District, Office, Province, Subdistrict
from agencies.options import options_html
from agencies.thai_dates import ThaiDateField
from referrals.models import (
    NOTE_LENGTH,
    OUTCOME_LENGTH,
    QUESTION_LENGTH,
    CaseStatus,
    Category,
    Channel,
    Priority,
)
from referrals.models import OPEN_REFERRAL_STATUSES as OPEN
from referrals.notifications import STAFF_KINDS
from referrals.public.forms import (
    ChannelFields,
    EqualAccessFields,
    SafeContactFields,
    place_code,
)
from referrals.selectors import SORTS, QueueFilters, category_choices, province_choices
from referrals.services.intake import MAX_DESCRIPTION, STAFF_CHANNELS
from referrals.services.recovery import IdentityQuestion
from referrals.widgets import CountedTextarea
from strategies.fiscal import fiscal_year_of
from strategies.models import Project, ProjectStatus

TEXT = CountedTextarea(attrs={"rows": 3})


class VersionedForm(forms.Form):
    """Carries the version of the case the user saw, so that a concurrent change is caught."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), widget=TEXT, max_length=2000)


class DeclineForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why your agency cannot help"),
        widget=TEXT,
        max_length=2000,
        help_text=_("The lead agency reads it; the citizen does not."),
    )


class CancelReferralForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why this agency's help is no longer needed"), widget=TEXT, max_length=2000
    )


class RejectForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why it is out of scope, and where to get help instead"),
        widget=TEXT,
        max_length=2000,
    )


class DuplicateForm(VersionedForm):
    original = forms.CharField(label=_("Reference of the earlier case"), max_length=20)

    def clean_original(self):
        return self.cleaned_data["original"].strip().upper()


class TransferForm(ReasonForm):
    to_agency = forms.ModelChoiceField(label=_("New lead agency"), queryset=Agency.objects.none())
    field_order = ["to_agency", "reason"]

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = Agency.objects.filter(is_active=True).exclude(
            pk=case.lead_agency_id
        )


CENTRAL_OFFICE = "central"


class PassOfficeForm(ReasonForm):
    """Hand a case (``case``) or a referral to its agency (``referral``) to another office
    of the agency, or to its central office."""

    office = forms.ChoiceField(label=_("To the office"), choices=[])
    field_order = ["office", "reason"]

    def __init__(self, *args, case=None, referral=None, **kwargs):
        super().__init__(*args, **kwargs)
        if referral is not None:
            agency_id, current = referral.to_agency_id, referral.to_office_id
        else:
            agency_id, current = case.lead_agency_id, case.lead_office_id
        self.offices = {
            str(office.pk): office
            for office in Office.objects.filter(agency_id=agency_id, is_active=True).exclude(
                pk=current
            )
        }
        central = [] if current is None else [(CENTRAL_OFFICE, _("The central office"))]
        self.fields["office"].choices = [
            ("", _("Choose an office")),
            *central,
            *((pk, office.name) for pk, office in self.offices.items()),
        ]

    def clean_office(self):
        chosen = self.cleaned_data["office"]
        return None if chosen == CENTRAL_OFFICE else self.offices[chosen]


class ProposalDecisionForm(VersionedForm):
    """A supervisor's decision on a proposed decline or transfer (the version is the
    proposal's)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note to the officer (required to reject)"),
        widget=TEXT,
        required=False,
        max_length=2000,
    )


class ReturnTransferForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why your agency does not take the lead"),
        widget=TEXT,
        max_length=2000,
        help_text=_("The former lead reads it; the citizen does not."),
    )


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.get_username()


def officers_of(agency_id, office_id=permissions.EVERY_OFFICE):
    return permissions.assignable(agency_id, office_id).order_by("first_name", "username")


class AssignForm(VersionedForm):
    officer = OfficerChoiceField(
        label=_("Officer"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Nobody (unassign)"),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers_of(case.lead_agency_id, case.lead_office_id)


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {obj.name}"


class ClassifyForm(VersionedForm):
    category = forms.ModelChoiceField(
        label=_("Help category"), queryset=Category.objects.filter(is_active=True)
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    project = ProjectChoiceField(
        label=_("Project of the action plan"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_("No project"),
        help_text=_("The project under which the case is served; the kind of help suggests one."),
    )

    def __init__(self, *args, case, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {
            **kwargs["initial"],
            "category": case.category_id,
            "priority": case.priority,
            "project": case.project_id or case.category.default_project_id,
        }
        super().__init__(*args, **kwargs)
        # Projects running this fiscal year, and the case's own even if it has ended.
        year = fiscal_year_of(timezone.now())
        running = Q(first_fiscal_year__lte=year, last_fiscal_year__gte=year)
        running &= ~Q(status__in=[ProjectStatus.CANCELLED, ProjectStatus.SUSPENDED])
        self.fields["project"].queryset = Project.objects.filter(
            running | Q(pk=case.project_id or 0)
        ).order_by("strategy__number", "code")


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=TEXT, max_length=NOTE_LENGTH)
    public = forms.BooleanField(
        label=_("Show this note to the citizen on the tracking page"), required=False
    )


class QuestionForm(VersionedForm):
    text = forms.CharField(
        label=_("What the person should tell us"), widget=TEXT, max_length=QUESTION_LENGTH
    )


class AnswerForm(VersionedForm):
    text = forms.CharField(label=_("What the person told us"), widget=TEXT, max_length=5000)


class ReferForm(VersionedForm):
    """Each agency ticked is asked for help in words of its own (``cleaned_data["asks"]``):
    a box per agency, beside its name. Agencies already helping are not offered again (and
    a page shown before one of them was asked says so when it is sent)."""

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        others = list(Agency.objects.filter(is_active=True).exclude(pk=case.lead_agency_id))
        helping = set(case.referrals.filter(status__in=OPEN).values_list("to_agency", flat=True))
        self.agencies = [agency for agency in others if agency.pk not in helping]
        self.helping = [agency for agency in others if agency.pk in helping]
        for agency in self.agencies:
            self.fields[f"to_{agency.code}"] = forms.BooleanField(label=agency.name, required=False)
            self.fields[f"ask_{agency.code}"] = forms.CharField(
                label=_("What %(agency)s is asked to do") % {"agency": agency.name},
                widget=CountedTextarea(
                    attrs={"rows": 3, "data-ask-for": f"id_{self.add_prefix('to_' + agency.code)}"}
                ),
                max_length=2000,
                required=False,
            )

    def clean(self):
        data = super().clean()
        asked_again = [
            a.code for a in self.helping if self.data.get(self.add_prefix(f"to_{a.code}"))
        ]
        if asked_again:
            raise forms.ValidationError(
                _("Already referred and not yet closed: %(agencies)s.")
                % {"agencies": ", ".join(asked_again)}
            )
        asks = {}
        for agency in self.agencies:
            chosen, text = data.get(f"to_{agency.code}"), (data.get(f"ask_{agency.code}") or "")
            if chosen and not text.strip():
                self.add_error(f"ask_{agency.code}", _("Say what help this agency should give."))
            elif text.strip() and not chosen:
                self.add_error(
                    f"to_{agency.code}", _("Tick the agency to send it this request, or clear it.")
                )
            elif chosen:
                asks[agency] = text
        if not asks and not self.errors:
            raise forms.ValidationError(_("Choose at least one agency and say what it should do."))
        data["asks"] = asks
        return data


class ResolveForm(VersionedForm):
    answer = forms.CharField(
        label=_("What was done for the person (shown to them)"),
        widget=TEXT,
        max_length=OUTCOME_LENGTH,
    )
    override_reason = forms.CharField(
        label=_("Supervisor override: why resolve while referrals are still open"),
        widget=TEXT,
        required=False,
        max_length=2000,
    )


class RestrictForm(ReasonForm):
    restricted = forms.BooleanField(label=_("Restricted"), required=False)
    field_order = ["restricted", "reason"]


class ReissueSecretForm(forms.Form):
    """A new secret for a caller who proved who they are: what was asked, never the answer."""

    question = forms.ChoiceField(
        label=_("What you asked the caller"), choices=IdentityQuestion.CHOICES
    )
    asked = forms.CharField(
        label=_("Your question, in your words"),
        max_length=500,
        help_text=_("Recorded on the timeline. Do not write the caller's answer."),
    )
    answered = forms.BooleanField(
        label=_("The caller answered rightly, as the request records it"), required=False
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Photo or PDF"))


class OutcomeForm(VersionedForm):
    outcome = forms.CharField(label=_("Help given"), widget=TEXT, max_length=OUTCOME_LENGTH)


class QueueFilterForm(forms.Form):
    """The queue's search and filters. ``offices``: the agency's offices a member of the
    agency as a whole may narrow the queue to (none for a member of one office, whose
    queue is already that office's)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *CaseStatus.choices]
    )
    category = forms.ChoiceField(
        label=_("Help category"),
        required=False,
        choices=lambda: [("", _("Any category")), *category_choices()],
    )
    province = forms.ChoiceField(
        label=_("Province"),
        required=False,
        choices=lambda: [("", _("Any province")), *province_choices()],
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("Any priority")), *Priority.choices]
    )
    created_from = ThaiDateField(label=_("Submitted from"), required=False)
    created_to = ThaiDateField(label=_("Submitted until"), required=False)
    office = forms.ChoiceField(label=_("Office"), required=False, choices=[])
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("priority", _("Urgent first")),
        ],
    )

    def __init__(self, *args, offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        if offices:
            self.fields["office"].choices = [
                ("", _("Every office")),
                ("central", _("The central office")),
                *((str(office.pk), office.name) for office in offices),
            ]
        else:
            del self.fields["office"]

    def option_rows(self) -> list[tuple]:
        """(bound field, its <option> tags or None) for every filter but the search box.

        The options are joined here rather than by the widget's template per option: the
        queue renders about a hundred of them on every request.
        """
        rows = []
        for field in self:
            if field.name == "q":
                continue
            options = None
            if field.widget_type == "select":
                options = options_html(field.field.choices, field.value() or "")
            rows.append((field, options))
        return rows

    def filters_chosen(self) -> bool:
        """Whether a filter beyond the search box and the sort is set (a date by any of its
        day, month and year): the more filters then show open."""
        if not self.is_bound:
            return False
        values = [self[name].value() for name in self.fields if name not in ("q", "sort")]
        return any(any(v) if isinstance(v, list) else v for v in values)

    def filters(self) -> QueueFilters:
        """The filters chosen, each that is valid (a date still being chosen, day first,
        leaves the others in place)."""
        if not self.is_bound:
            return QueueFilters()
        self.full_clean()  # cleaned_data: the valid fields, whatever the others
        data = self.cleaned_data
        return QueueFilters(
            status=data.get("status", ""),
            category=data.get("category", ""),
            province=data.get("province", ""),
            priority=data.get("priority", ""),
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            q=data.get("q", ""),
            office=data.get("office", ""),
        )

    def sort_key(self) -> str:
        sort = self.cleaned_data.get("sort") if self.is_valid() else ""
        return sort if sort in SORTS else "newest"


class PlaceFieldsMixin:
    """Province, district and subdistrict that narrow each other, with or without JavaScript.

    The district and subdistrict choices follow the province and district submitted, so a
    browser without JavaScript reloads the form (the "Show districts" button) to narrow
    them, and htmx swaps the options in place otherwise.
    """

    def narrow_places(self):
        # With htmx, choosing a province (district) swaps the district (subdistrict) options.
        for field, narrows in (("province", "district"), ("district", "subdistrict")):
            self.fields[field].widget.attrs.update(
                {
                    "hx-get": reverse("public:places"),
                    "hx-target": f"#{self[narrows].auto_id}",
                    "hx-trigger": "change",
                }
            )
        # Codes as typed, checked before they reach a query (a NUL is a PostgreSQL error).
        province = place_code(
            self.data.get(self.add_prefix("province")) or self.initial.get("province")
        )
        district = place_code(
            self.data.get(self.add_prefix("district")) or self.initial.get("district")
        )
        self.fields["province"].queryset = in_name_order(Province.objects.all())
        self.fields["district"].queryset = in_name_order(
            District.objects.filter(province_id=province or None)
        )
        self.fields["subdistrict"].queryset = in_name_order(
            Subdistrict.objects.filter(district_id=district or None)
        )


class IntakeForm(PlaceFieldsMixin, SafeContactFields, ChannelFields, EqualAccessFields):
    channel = forms.ChoiceField(
        label=_("Received by"), choices=[(c.value, c.label) for c in Channel if c in STAFF_CHANNELS]
    )
    category = forms.ModelChoiceField(
        label=_("Help needed"), queryset=Category.objects.filter(is_active=True)
    )
    description = forms.CharField(
        label=_("What happened"),
        widget=CountedTextarea(attrs={"rows": 5}),
        max_length=MAX_DESCRIPTION,
    )
    citizen_name = forms.CharField(label=_("Name of the person"), max_length=200)
    citizen_phone = forms.CharField(label=_("Phone"), max_length=20)
    citizen_email = forms.EmailField(label=_("Email (optional)"), required=False)
    national_id = forms.CharField(
        label=_("Thai national ID (optional)"), required=False, max_length=20
    )
    province = forms.ModelChoiceField(label=_("Province"), queryset=Province.objects.all())
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.none(), required=False
    )
    subdistrict = forms.ModelChoiceField(
        label=_("Subdistrict"), queryset=Subdistrict.objects.none(), required=False
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    language = forms.ChoiceField(
        label=_("Language of the messages to the person"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        required=False,
    )
    sensitive_consent = forms.BooleanField(
        label=_(
            "The person gives explicit consent to the use of the health, disability or "
            "criminal information in this request (needed for requests of sensitive kinds)."
        ),
        required=False,
    )
    # The safe-contact answers last, as the officer asks them at the end of the call.
    field_order = [
        "channel",
        "category",
        "description",
        "citizen_name",
        "citizen_phone",
        "citizen_email",
        "national_id",
        "notify_email",
        "notify_sms",
        "notify_line",
        "language",
        "province",
        "district",
        "subdistrict",
        "priority",
        "sensitive_consent",
        "in_danger_now",
        "safe_channel",
        "safe_hours",
        "no_message",
        "safe_word",
    ]
    staff_labels = {
        "in_danger_now": _("The person is in danger now (the case becomes urgent)"),
        "safe_channel": _(
            "The safe way to contact them (required for violence, trafficking and witnesses)"
        ),
        "safe_hours": _("When it is safe to contact them (optional)"),
        "no_message": _("Do not leave a message (voicemail or with another person)"),
        "safe_word": _("Safe word (optional)"),
        "notify_email": _("Send the news of the request by email (to the address above)"),
        "notify_sms": _("Send the news by SMS (to a mobile number only)"),
        "notify_line": _("Send the news by LINE (the person links their LINE account)"),
        # The optional questions on who reaches the portal come after them, folded.
        "equal_access_consent": _(
            "The person agrees that their answers on age, sex, nationality and language are "
            "kept, to count who reaches the portal"
        ),
        "disability_consent": _(
            "The person gives explicit consent to keep their answer on disability (sensitive data)"
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.staff_labels.items():
            self.fields[name].label = label
            self.fields[name].help_text = ""
        # The officer ticks what the caller asks for: most callers give no email address.
        self.fields["notify_email"].initial = False
        self.narrow_places()


class ErasureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Erase the personal data")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Reason (required to refuse; shown to the citizen)"),
        widget=TEXT,
        required=False,
        max_length=2000,
    )


class NotificationPreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of my emails"), choices=settings.LANGUAGES)
    by_email = forms.MultipleChoiceField(
        label=_("Also send me by email"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=lambda: [(kind, spec.label) for kind, spec in STAFF_KINDS.items()],
    )
