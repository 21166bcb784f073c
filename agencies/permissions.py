"""Who may see or do what: the one module that decides, for pages, API and services alike.

Cases reach an agency through django-guardian: when a case is routed, transferred or
referred to an agency, the agency's group receives ``view_case`` on that case (kept in the
direct foreign-key table, not the generic one). Staff see a case only when one of their
agencies holds that permission; everything else follows from their role there:

- intake officers, case officers, supervisors and CCEOs of an involved agency see the case
  and its personal data, print its slip and add notes; agency administrators manage
  members, not cases; the officer who recorded a request may print its slip even when it
  went to another agency;
- restricted cases are seen only by the officer assigned, and the supervisors and CCEOs of
  the involved agencies;
- staff take up what arrives at their agency (``arrival_roles``) and are given cases
  (``assignable``) by the same rules as they triage and work them;
- the lead agency's intake officers, supervisors and CCEOs triage, transfer, ask the
  citizen, refer, resolve and close; its case officers ask, refer, resolve and close the
  cases assigned to them (triage and transfer stay with intake and supervisors); its
  supervisors and CCEOs also assign, override a resolution, reopen and restrict; anyone
  of it who handles cases may take one that nobody works yet ("assign to me");
- the receiving agency's staff accept and complete a referral to it; declining it, and
  transferring a case, are decided by the agency's supervisors and CCEOs
  (``approver_roles``): its other officers propose them (an intake officer a transfer,
  anyone who handles the referral a decline), and the approvers decide the proposal
  (``approves``), which then takes effect in the approver's name; the proposer may
  withdraw it while it waits;
- a transfer is offered: the receiving agency sees the case from then on, and its intake
  officers, supervisors and CCEOs accept the lead or return it with a reason;
- an agency's own system, calling the API with one of the agency's keys (a
  ``SystemCaller``, never a person), sees what the agency is involved in, restricted cases
  only when the key is granted them; a key that may write takes the coordinators' work
  for its agency (triage, transfer, ask, refer, resolve and close when it leads; answer
  and complete a referral to it; notes and files on every case it sees, as the agency's
  staff) and records new cases from its channel;
  assigning officers, overriding, reopening, restricting and erasure stay with people;
- inspectors see no case here (their dashboards show figures without personal data);
- the citizen, who has no account, proves they hold the case's reference code and
  verification secret (a ``CitizenAccess``): they follow that case alone, add information,
  withdraw it, rate it, confirm or reopen it, download their data and ask for its erasure,
  and confirm that the email address given with it is theirs;
  no member of staff takes these actions in their name;
- an agency's administrators invite its members, change their role and office, suspend,
  reactivate and remove them and send them a link to set a new password, each change
  written to a log that the agency's CCEOs and administrators read; they never see or
  change another agency's members;
- an agency's administrators make, list and revoke the keys of its systems, and write,
  change and archive its ready-made replies (the system administrator too, in the admin);
  staff insert the replies of the agencies they work for on the cases those agencies are
  involved in;
- the lead agency's administrators decide the requests to erase a citizen's data (its
  supervisors and CCEOs, for a restricted case);
- the dashboards: inspectors read every agency's figures, an agency's supervisors and
  CCEOs their own agency's (a ``DashboardScope``); other staff read none; the lists of
  cases behind a figure never carry personal data;
- the action plan: an agency's administrators manage the projects it leads and their
  activities, update the activities it is responsible for, and report the values of the
  indicators it is responsible for; the system administrator edits all of it in the admin.

Access ends with the purpose (PDPA sections 22 and 37): an agency reads a citizen's
personal data only while it has a part in the case (``agencies_with_a_part``): the lead,
an agency whose referral is pending or accepted, or completed within CASE_REOPEN_DAYS
(the case may still come back to it), and so the supervisors approving for them. An
agency that declined, whose referral was cancelled, that handed the case on, or whose
help ended long ago keeps the case's non-personal history (``Action.VIEW``: what it did,
when, the outcome) but not the name, contact, national ID, description or files, and the
case leaves its queue (``settle_case_access``).

django-guardian's rows record the parts: ``view_case`` while an agency has one,
``view_case_history`` once it ended. Whether a person may use them is decided here
alone: ``user.has_perm("referrals.view_case", case)`` asks ``can`` (through
``agencies.backends.CasePermissionBackend``), and guardian's own backend, which would
answer from the rows alone, is not installed.

Who must sign in with a second step (two-factor sign-in), and whether a session has, is
decided beside this module in ``agencies.two_factor``; ``portal.middleware`` asks it before
the staff pages, dashboards, plan, admin and API.

This module knows cases only by their fields (``lead_agency_id``, ``assigned_to_id``,
``is_restricted``) and referrals by theirs (``to_agency_id``, ``status``,
``closed_at``), so that it stays below the referrals app.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from guardian.utils import get_group_obj_perms_model

from agencies.models import Agency, Inspector, Membership, Role

VIEW_CASE = "view_case"  # the agency has a part in the case: it reads the person's data
VIEW_HISTORY = "view_case_history"  # its part ended: it reads what it did, not the person
# The referral statuses in which the receiving agency still has a part (the values of
# ``referrals.models.ReferralStatus``, which this module may not import).
PART_REFERRAL_STATUSES = frozenset({"pending", "accepted"})
COMPLETED_REFERRAL = "completed"


class Action(StrEnum):
    VIEW = "view"
    VIEW_PERSONAL_DATA = "view_personal_data"
    VIEW_ATTACHMENT = "view_attachment"
    PRINT_SLIP = "print_slip"
    NOTE = "note"
    ASSIGN = "assign"
    TAKE = "take"
    TRIAGE = "triage"
    TRANSFER = "transfer"
    CHANGE_OFFICE = "change_office"
    REQUEST_INFORMATION = "request_information"
    REFER = "refer"
    CANCEL_REFERRAL = "cancel_referral"
    ANSWER_REFERRAL = "answer_referral"
    COMPLETE_REFERRAL = "complete_referral"
    RESOLVE = "resolve"
    OVERRIDE_RESOLVE = "override_resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    RESTRICT = "restrict"
    DECIDE_ERASURE = "decide_erasure"
    REISSUE_SECRET = "reissue_secret"  # noqa: S105 (an action, not a password)
    # Approvals: what leaves an officer's desk with a supervisor's approval.
    DECLINE_REFERRAL = "decline_referral"
    PROPOSE_DECLINE = "propose_decline"
    PROPOSE_TRANSFER = "propose_transfer"
    DECIDE_PROPOSAL = "decide_proposal"
    WITHDRAW_PROPOSAL = "withdraw_proposal"
    ANSWER_TRANSFER = "answer_transfer"
    # The citizen's own actions on their case.
    TRACK = "track"
    ADD_INFORMATION = "add_information"
    WITHDRAW = "withdraw"
    RATE = "rate"
    CONFIRM_CLOSE = "confirm_close"
    ASK_REOPEN = "ask_reopen"
    EXPORT_DATA = "export_data"
    REQUEST_ERASURE = "request_erasure"
    CONFIRM_EMAIL = "confirm_email"
    CHOOSE_CHANNELS = "choose_channels"


HANDLERS = frozenset({Role.INTAKE_OFFICER, Role.CASE_OFFICER, Role.SUPERVISOR, Role.CCEO})
MANAGERS = frozenset({Role.SUPERVISOR, Role.CCEO})
COORDINATORS = frozenset({Role.INTAKE_OFFICER, Role.SUPERVISOR, Role.CCEO})
READ_ACTIONS = frozenset(
    {Action.VIEW, Action.VIEW_PERSONAL_DATA, Action.VIEW_ATTACHMENT, Action.PRINT_SLIP}
)
LEAD_WORK = frozenset(
    {Action.REQUEST_INFORMATION, Action.REFER, Action.CANCEL_REFERRAL, Action.RESOLVE, Action.CLOSE}
)
LEAD_MANAGEMENT = frozenset(
    {Action.ASSIGN, Action.OVERRIDE_RESOLVE, Action.REOPEN, Action.RESTRICT}
)
CITIZEN_ACTIONS = frozenset(
    {
        Action.TRACK,
        Action.ADD_INFORMATION,
        Action.WITHDRAW,
        Action.RATE,
        Action.CONFIRM_CLOSE,
        Action.ASK_REOPEN,
        Action.EXPORT_DATA,
        Action.REQUEST_ERASURE,
        Action.CONFIRM_EMAIL,
        Action.CHOOSE_CHANNELS,
    }
)


@dataclass(frozen=True)
class CitizenAccess:
    """The holder of one case's reference code and secret: the citizen, without an account.

    Made only by the tracking page once the secret is checked; it opens that case alone.
    """

    case_id: int
    is_authenticated = False
    pk = None


@dataclass(frozen=True)
class SystemCaller:
    """An agency's own system, calling the API with one of the agency's keys.

    Made only by the API's key authentication once the key is checked (unrevoked,
    unexpired, its agency active). It is not a person: it has no account, and the timeline
    names the key.
    """

    agency_id: int
    group_id: int
    key_id: str
    name: str
    can_write: bool = False
    can_see_restricted: bool = False
    # The channel of the cases it records: "api" for an agency's system, the outside
    # system's own for a link to 1111 or Traffy Fondue.
    channel: str = "api"
    is_authenticated = False
    pk = None


SYSTEM_READS = frozenset({Action.VIEW, Action.VIEW_PERSONAL_DATA, Action.VIEW_ATTACHMENT})


@dataclass
class StaffProfile:
    """A user's roles by agency, and the offices they work for, read once per request."""

    user_id: int | None
    roles: dict[int, set[str]] = field(default_factory=dict)
    groups: dict[int, int] = field(default_factory=dict)  # agency id -> group id
    # agency id -> the offices they work for there; absent: the agency as a whole.
    offices: dict[int, frozenset[int]] = field(default_factory=dict)

    def roles_in(self, agency_id: int | None) -> set[str]:
        return self.roles.get(agency_id, set())

    def offices_in(self, agency_id: int) -> frozenset[int] | None:
        """The offices of the agency whose cases they work, or None for all of them (a
        member of the agency as a whole: its central office)."""
        return self.offices.get(agency_id)

    def agencies_with(self, roles: frozenset) -> set[int]:
        return {agency for agency, held in self.roles.items() if held & roles}


def working_memberships() -> QuerySet[Membership]:
    """The memberships through which people work cases: active, of an active user, in an
    active agency. An inspector works no case, even with a membership left over from a
    former post. The one definition of "staff" for permissions, notifications and
    escalations alike."""
    return Membership.objects.filter(
        is_active=True, user__is_active=True, agency__is_active=True
    ).exclude(user__inspector__is_active=True)


def arrival_roles(restricted: bool) -> frozenset:
    """Who takes up what arrives at an agency (a new case, a referral, a transfer): those
    who triage (``can(..., Action.TRIAGE, ...)``); for a restricted case, those of them who
    may see it."""
    return COORDINATORS & MANAGERS if restricted else COORDINATORS


def serving(people_by_office: dict, office_id: int | None) -> list:
    """Who of an agency is told of what arrives for one of its offices (``office_id``;
    None for the central office), from its people in the roles concerned by office (key
    None: the agency as a whole): that office's own, or, when it has nobody in those
    roles, the agency's central office, so that nothing arrives unseen."""
    if office_id is not None and people_by_office.get(office_id):
        return people_by_office[office_id]
    return people_by_office.get(None, [])


def office_scope(user, agency_id: int) -> frozenset[int] | None:
    """The offices of the agency whose queue ``user`` works, or None for the whole agency
    (its central office, or a system)."""
    if isinstance(user, SystemCaller | CitizenAccess):
        return None
    return staff_profile(user).offices_in(agency_id)


EVERY_OFFICE = "every office"


def assignable(agency_id: int, office_id=EVERY_OFFICE) -> QuerySet:
    """Who may be given a case led by the agency at one of its offices (None: its central
    office): the people working there, or for the agency as a whole, in a role that
    handles cases (an agency administrator manages members, not cases). With
    ``EVERY_OFFICE``, the agency's people at any of its offices."""
    memberships = working_memberships().filter(agency_id=agency_id, role__in=HANDLERS)
    if office_id != EVERY_OFFICE:
        memberships = memberships.filter(Q(office_id=office_id) | Q(office__isnull=True))
    return get_user_model().objects.filter(pk__in=memberships.values("user_id"))


def staff_profile(user) -> StaffProfile:
    if isinstance(user, SystemCaller | CitizenAccess):
        return StaffProfile(user_id=None)  # no person: no membership, no role
    cached = getattr(user, "_staff_profile", None)
    if cached is not None:
        return cached
    profile = StaffProfile(user_id=user.pk)
    if user.is_authenticated and user.is_active:
        memberships = working_memberships().filter(user=user)
        whole, offices = set(), {}
        for agency_id, group_id, role, office_id in memberships.values_list(
            "agency_id", "agency__group_id", "role", "office_id"
        ):
            profile.roles.setdefault(agency_id, set()).add(role)
            profile.groups[agency_id] = group_id
            if office_id is None:
                whole.add(agency_id)
            else:
                offices.setdefault(agency_id, set()).add(office_id)
        profile.offices = {
            agency: frozenset(held) for agency, held in offices.items() if agency not in whole
        }
    user._staff_profile = profile
    return profile


def working_agency_ids(user) -> set[int]:
    """The agencies for which ``user`` (a member of staff or a system) works cases."""
    if isinstance(user, SystemCaller):
        return {user.agency_id}
    return staff_profile(user).agencies_with(HANDLERS)


def may_create_case(user) -> bool:
    """Record a new case for a citizen: intake officers, supervisors and CCEOs (by phone,
    at a counter, from the 1111 center), and a system whose key may write (channel API)."""
    if isinstance(user, SystemCaller):
        return user.can_write
    return may_record_intake(user)


def is_staff_member(user) -> bool:
    return bool(staff_profile(user).agencies_with(HANDLERS))


def administered_agency_ids(user) -> set[int]:
    """The agencies whose members (and citizens' erasure requests) ``user`` manages."""
    return staff_profile(user).agencies_with(frozenset({Role.AGENCY_ADMIN}))


def administers(user, agency_id: int) -> bool:
    """Whether ``user`` keeps the agency's settings: one of its administrators, or the
    system administrator (in the Django admin)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return agency_id in administered_agency_ids(user)


def may_manage_api_keys(user, agency_id: int) -> bool:
    """Make, list and revoke an agency's API keys: its administrators, and the system
    administrator (in the Django admin)."""
    return administers(user, agency_id)


def may_manage_members(user, agency_id: int) -> bool:
    """Invite an agency's members, change their role and office, suspend, reactivate and
    remove them, and reset their passwords: its administrators, and the system
    administrator (in the Django admin)."""
    return administers(user, agency_id)


MEMBER_AUDIT_READERS = frozenset({Role.CCEO, Role.AGENCY_ADMIN})


def member_audit_agency_ids(user) -> set[int]:
    """The agencies whose log of changes to members ``user`` reads on the staff pages: those
    where they are a CCEO or an administrator (the system administrator reads every
    agency's in the Django admin)."""
    return staff_profile(user).agencies_with(MEMBER_AUDIT_READERS)


def may_manage_reply_templates(user, agency_id: int) -> bool:
    """Write, change, archive and restore an agency's ready-made replies: its
    administrators, and the system administrator (in the Django admin)."""
    return administers(user, agency_id)


def reply_template_agency_ids(user, case) -> set[int]:
    """The agencies whose ready-made replies ``user`` may insert on ``case``: those they
    work cases for among the agencies involved in it; none on a case they may not see."""
    if not can(user, Action.VIEW, case):
        return set()
    return involved_agency_ids(case) & working_agency_ids(user)


def erasure_decider_roles(restricted: bool) -> frozenset:
    """Who decides an erasure request in the case's lead agency: its administrators; for a
    restricted case, which they may not see, its supervisors and CCEOs."""
    return MANAGERS if restricted else frozenset({Role.AGENCY_ADMIN})


def erasure_scope(user) -> Q:
    """The erasure requests ``user`` decides, as a filter on their cases (``case__``)."""
    profile = staff_profile(user)
    return Q(
        case__lead_agency_id__in=profile.agencies_with(erasure_decider_roles(False)),
        case__is_restricted=False,
    ) | Q(
        case__lead_agency_id__in=profile.agencies_with(erasure_decider_roles(True)),
        case__is_restricted=True,
    )


def decides_erasures(user) -> bool:
    profile = staff_profile(user)
    return bool(administered_agency_ids(user) or profile.agencies_with(MANAGERS))


@dataclass(frozen=True)
class DashboardScope:
    """Whose figures a user reads: every agency's (``agency_ids`` None) or these."""

    agency_ids: frozenset[int] | None

    @property
    def is_national(self) -> bool:
        return self.agency_ids is None

    def covers(self, agency_id: int) -> bool:
        return self.agency_ids is None or agency_id in self.agency_ids

    def listable(self, cases: QuerySet, restricted: bool = False) -> QuerySet:
        """The cases of a figure this reader may see listed one by one: an inspector never
        sees a restricted case (witness protection, trafficking, violence) named, though
        the figures count it; an agency's supervisors and CCEOs see their agency's.
        ``restricted``: the ones held back instead."""
        if not self.is_national:
            return cases.none() if restricted else cases
        return cases.filter(is_restricted=restricted)


def is_inspector(user) -> bool:
    """Whether the user is an active ministry inspector (read once per request)."""
    cached = getattr(user, "_is_inspector", None)
    if cached is None:
        cached = bool(
            user.is_authenticated
            and user.is_active
            and Inspector.objects.filter(user=user, is_active=True).exists()
        )
        if user.is_authenticated:
            user._is_inspector = cached
    return cached


def dashboard_scope(user) -> DashboardScope | None:
    """The dashboards ``user`` may read, or None for no dashboard at all."""
    if not (user.is_authenticated and user.is_active):
        return None
    if is_inspector(user):
        return DashboardScope(agency_ids=None)
    managed = staff_profile(user).agencies_with(MANAGERS)
    return DashboardScope(agency_ids=frozenset(managed)) if managed else None


def plan_projects(user, projects: QuerySet) -> QuerySet:
    """The projects of the action plan an agency administrator keeps at /plan/: those
    their agencies lead or take part in, or answer for an activity or indicator of."""
    agencies = administered_agency_ids(user)
    involved = projects.model.objects.filter(
        Q(lead_agency__in=agencies)
        | Q(participating_agencies__in=agencies)
        | Q(activities__responsible_agency__in=agencies)
        | Q(indicators__responsible_agency__in=agencies)
    )
    return projects.filter(pk__in=involved.values("pk"))


def may_manage_project(user, project) -> bool:
    """Edit a project and add or remove its activities and indicators: its lead agency's
    administrators."""
    return project.lead_agency_id in administered_agency_ids(user)


def may_update_activity(user, activity, project) -> bool:
    """Record an activity's dates and progress: the administrators of the agency
    responsible for it, or of the project's lead agency."""
    agencies = administered_agency_ids(user)
    return activity.responsible_agency_id in agencies or project.lead_agency_id in agencies


def may_report_indicator(user, indicator) -> bool:
    """Report a quarter's value of a reported indicator: the administrators of the agency
    responsible for it."""
    return not indicator.is_computed and indicator.responsible_agency_id in (
        administered_agency_ids(user)
    )


def intake_agency_ids(user) -> set[int]:
    """The agencies on whose behalf ``user`` records requests (``may_create_case``): a
    system its own, a person those where they are an intake officer or supervisor."""
    if isinstance(user, SystemCaller):
        return {user.agency_id}
    return staff_profile(user).agencies_with(COORDINATORS)


def import_agency_ids(user) -> set[int]:
    """The agencies for which ``user`` imports the complaints the 1111 center forwarded
    (its exported file): their intake officers, supervisors and CCEOs."""
    if isinstance(user, SystemCaller):
        return set()
    return staff_profile(user).agencies_with(COORDINATORS)


def exchange_agency_ids(user) -> set[int]:
    """The agencies whose links to outside systems (1111, Traffy Fondue) ``user`` watches,
    and whose failed exchanges they send again: their supervisors and CCEOs (the system
    administrator configures the links in the Django admin)."""
    if isinstance(user, SystemCaller):
        return set()
    return staff_profile(user).agencies_with(MANAGERS)


def may_record_intake(user) -> bool:
    """Intake officers and supervisors record requests received by phone or at a counter."""
    return bool(staff_profile(user).agencies_with(COORDINATORS))


def _view_permission(model) -> Permission:
    content_type = ContentType.objects.get_for_model(model)
    return Permission.objects.get_by_natural_key(VIEW_CASE, content_type.app_label, "case")


def _case_rows(case) -> dict[str, set[int]]:
    """The agencies holding ``view_case`` and ``view_case_history`` on the case, by
    codename, in one query (cached on the case)."""
    cached = getattr(case, "_access_rows", None)
    if cached is None:
        model = get_group_obj_perms_model(case)
        cached = {VIEW_CASE: set(), VIEW_HISTORY: set()}
        rows = (
            model.objects.filter(
                content_object_id=case.pk, permission__codename__in=(VIEW_CASE, VIEW_HISTORY)
            )
            .filter(group__agency__isnull=False)
            .values_list("permission__codename", "group__agency__id")
        )
        for codename, agency_id in rows:
            cached[codename].add(agency_id)
        case._access_rows = cached
    return cached


def involved_agency_ids(case) -> set[int]:
    """The agencies that have a part in the case now (``view_case``; cached on the case)."""
    return _case_rows(case)[VIEW_CASE]


def former_agency_ids(case) -> set[int]:
    """The agencies whose part in the case ended: they keep its non-personal history."""
    rows = _case_rows(case)
    return rows[VIEW_HISTORY] - rows[VIEW_CASE]


def agencies_with_a_part(case, referrals, offered=frozenset()) -> set[int]:
    """The agencies that may read the person's data of ``case`` (PDPA sections 22, 37): its
    lead; an agency offered the lead (``offered``) while it decides; an agency whose
    referral (of ``referrals``, all the case's) is pending or accepted, or was completed
    within CASE_REOPEN_DAYS, while the case may still come back to it. Not an agency that
    declined, whose referral was cancelled, that handed the lead on, or that returned it."""
    recent = timezone.now() - timedelta(days=settings.CASE_REOPEN_DAYS)
    part = {case.lead_agency_id, *offered}
    for referral in referrals:
        if referral.status in PART_REFERRAL_STATUSES or (
            referral.status == COMPLETED_REFERRAL
            and referral.closed_at is not None
            and referral.closed_at >= recent
        ):
            part.add(referral.to_agency_id)
    return part


def _grant_rows(case, group_ids, codename: str) -> None:
    """Give groups ``codename`` on the case: one statement, the rows guardian's
    ``assign_perm`` would write (it takes four per group to look up the permission and
    check for the row first); granting twice is harmless."""
    model = get_group_obj_perms_model(case)
    quote = connection.ops.quote_name
    # Table names come from model metadata; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
        f"({quote('group_id')}, {quote('permission_id')}, {quote('content_object_id')}) "
        f"SELECT g.id, p.id, %s FROM {quote(Permission._meta.db_table)} p "
        f"JOIN {quote(ContentType._meta.db_table)} t ON t.id = p.content_type_id "
        f"JOIN {quote(Group._meta.db_table)} g ON g.id IN ({', '.join(['%s'] * len(group_ids))}) "
        "WHERE p.codename = %s AND t.app_label = %s AND t.model = %s "
        "ON CONFLICT DO NOTHING"
    )
    values = [case.pk, *group_ids, codename, case._meta.app_label, case._meta.model_name]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def grant_case_access(case, agency) -> None:
    """Give an agency a part in a case (routed, transferred or referred to it): its staff
    see the case and the person's data."""
    _grant_rows(case, [agency.group_id], VIEW_CASE)
    rows = getattr(case, "_access_rows", None)
    if rows is not None:
        rows[VIEW_CASE].add(agency.pk)


def settle_case_access(case, referrals, offered=frozenset()) -> set[int]:
    """End the part of every agency that no longer has one (``agencies_with_a_part``, from
    all the case's ``referrals`` and the agencies ``offered`` its lead): it keeps the
    case's history, not the person's data, and the case leaves its queue. Returns the
    agencies whose part ended. The caller holds the case's lock, so that no referral is
    made in between."""
    ended = involved_agency_ids(case) - agencies_with_a_part(case, referrals, offered)
    if not ended:
        return ended
    groups = list(Agency.objects.filter(pk__in=ended).values_list("group_id", flat=True))
    _grant_rows(case, groups, VIEW_HISTORY)
    get_group_obj_perms_model(case).objects.filter(
        content_object_id=case.pk, permission__codename=VIEW_CASE, group_id__in=groups
    ).delete()
    rows = _case_rows(case)
    rows[VIEW_CASE] -= ended
    rows[VIEW_HISTORY] |= ended
    return ended


OBJECT_PERMISSIONS = {VIEW_CASE: Action.VIEW_PERSONAL_DATA, VIEW_HISTORY: Action.VIEW}


def has_object_permission(user, codename: str, obj) -> bool:
    """``user.has_perm(<app>.<codename>, obj)`` for a case, answered by ``can``: a part in
    the case (``view_case``) reads the person's data, a part that ended
    (``view_case_history``) its history; nothing else is granted object by object."""
    action = OBJECT_PERMISSIONS.get(codename)
    if action is None or obj is None or obj._meta.model_name != "case":
        return False
    return can(user, action, obj)


def _referral_offices(case) -> dict[int, set[int]]:
    """Agency id -> the offices of it the case was referred to (cached on the case)."""
    cached = getattr(case, "_referral_offices", None)
    if cached is None:
        cached = {}
        for agency_id, office_id in case.referrals.values_list("to_agency_id", "to_office_id"):
            cached.setdefault(agency_id, set()).add(office_id)
        case._referral_offices = cached
    return cached


def _reaches(profile: StaffProfile, case, agency_id: int) -> bool:
    """Whether the person's place in the agency covers the case: the agency as a whole
    covers all of its cases; an office those it leads there or was referred there, and
    the one its member was given."""
    offices = profile.offices_in(agency_id)
    if offices is None or case.assigned_to_id == profile.user_id:
        return True
    if case.lead_agency_id == agency_id and case.lead_office_id in offices:
        return True
    return bool(_referral_offices(case).get(agency_id, set()) & offices)


def _sees(profile: StaffProfile, case, agencies: set[int]) -> bool:
    """Whether the person sees the case through one of ``agencies``: they handle cases
    there, for the office it is at (or the agency as a whole), and for a restricted case
    they are assigned to it or manage there."""
    involved = {
        agency
        for agency in agencies & profile.agencies_with(HANDLERS)
        if _reaches(profile, case, agency)
    }
    if not involved:
        return False
    if not case.is_restricted or case.assigned_to_id == profile.user_id:
        return True
    return any(profile.roles_in(agency) & MANAGERS for agency in involved)


def can(user, action: Action, case, referral=None) -> bool:
    """Whether ``user`` may take ``action`` on ``case`` (and ``referral``), by role alone.

    Whether the case's status allows the action is the workflow's business, not this one's.
    """
    if isinstance(user, CitizenAccess):
        return action in CITIZEN_ACTIONS and user.case_id == case.pk
    if action in CITIZEN_ACTIONS:
        return False
    if isinstance(user, SystemCaller):
        return _system_may(user, action, case, referral)
    if action == Action.DECIDE_ERASURE:
        # A restricted case stays with those who may see it: the supervisors and CCEOs.
        roles = staff_profile(user).roles_in(case.lead_agency_id)
        return bool(roles & MANAGERS) if case.is_restricted else Role.AGENCY_ADMIN in roles
    profile = staff_profile(user)
    if (
        action == Action.PRINT_SLIP
        and case.created_by_id is not None
        and case.created_by_id == profile.user_id
        and profile.agencies_with(HANDLERS)
    ):
        return True  # the officer who recorded it, even when it went to another agency
    if not _sees(profile, case, involved_agency_ids(case)):
        # An agency whose part ended reads what it did, never the person again.
        return action == Action.VIEW and _sees(profile, case, former_agency_ids(case))
    if action in READ_ACTIONS or action == Action.NOTE:
        return True
    lead = profile.roles_in(case.lead_agency_id)
    if action == Action.CHANGE_OFFICE and referral is not None:
        # The office asked hands the referral on before answering it.
        roles = profile.roles_in(referral.to_agency_id)
        offices = profile.offices_in(referral.to_agency_id)
        return bool(roles & COORDINATORS) and (offices is None or referral.to_office_id in offices)
    if action in APPROVAL_ACTIONS:
        return _approval_may(profile, action, case, referral)
    if action in (Action.TRIAGE, Action.CHANGE_OFFICE, Action.REISSUE_SECRET):
        return bool(lead & COORDINATORS)
    if action in LEAD_WORK:
        assigned = Role.CASE_OFFICER in lead and case.assigned_to_id == profile.user_id
        return bool(lead & COORDINATORS) or assigned
    if action in LEAD_MANAGEMENT:
        return bool(lead & MANAGERS)
    if action == Action.TAKE:
        return bool(lead & HANDLERS)
    if action in (Action.ANSWER_REFERRAL, Action.COMPLETE_REFERRAL):
        if referral is None or not profile.roles_in(referral.to_agency_id) & HANDLERS:
            return False
        offices = profile.offices_in(referral.to_agency_id)
        return offices is None or referral.to_office_id in offices
    return False


APPROVAL_ACTIONS = frozenset(
    {
        Action.TRANSFER,
        Action.DECLINE_REFERRAL,
        Action.PROPOSE_TRANSFER,
        Action.PROPOSE_DECLINE,
        Action.DECIDE_PROPOSAL,
        Action.WITHDRAW_PROPOSAL,
        Action.ANSWER_TRANSFER,
    }
)


def approver_roles(agency_id: int) -> frozenset:
    """Who approves what an officer of the agency proposes (a decline, a transfer), and
    declines or transfers at once in their own name: its supervisors (of the office the
    case or referral is at, or of the agency as a whole) and its CCEOs (``_decides``)."""
    return MANAGERS


def approves(user, agency_id: int) -> bool:
    """Whether ``user`` decides some of the agency's declines and transfers
    (``approver_roles``): a proposal is decided by the approvers of its ``agency``."""
    return _decides(staff_profile(user), agency_id)


def _decides(profile: StaffProfile, agency_id: int, office_id=EVERY_OFFICE) -> bool:
    """An approver of the agency for what is at one of its offices (None: its central
    office): its CCEOs, and its supervisors there or of the agency as a whole."""
    roles = profile.roles_in(agency_id) & approver_roles(agency_id)
    if not roles:
        return False
    if Role.CCEO in roles or office_id == EVERY_OFFICE:
        return True
    offices = profile.offices_in(agency_id)
    return offices is None or office_id in offices


def _proposal_office(case, proposal):
    """The office a proposal is about: the referral's (a decline), else the case's."""
    if proposal.referral_id is not None:
        return proposal.referral.to_office_id
    return case.lead_office_id


def approval_agency_ids(user) -> set[int]:
    """The agencies whose pending proposals ``user`` decides (their approvals tab)."""
    profile = staff_profile(user)
    return {agency for agency in profile.roles if approves(user, agency)}


def _approval_may(profile: StaffProfile, action: Action, case, about) -> bool:
    """Declines and transfers, decided by the approvers and proposed by the others;
    ``about``: the referral (a decline), the proposal or the transfer offered."""
    if action == Action.DECIDE_PROPOSAL:
        return about is not None and _decides(
            profile, about.agency_id, _proposal_office(case, about)
        )
    if action == Action.WITHDRAW_PROPOSAL:
        return about is not None and about.proposed_by_id == profile.user_id
    if action == Action.ANSWER_TRANSFER:
        return about is not None and bool(profile.roles_in(about.to_agency_id) & COORDINATORS)
    if action in (Action.TRANSFER, Action.PROPOSE_TRANSFER):
        agency, office, proposers = case.lead_agency_id, case.lead_office_id, COORDINATORS
    elif about is None:
        return False
    else:
        agency, office, proposers = about.to_agency_id, about.to_office_id, HANDLERS
    decides = _decides(profile, agency, office)
    if action in (Action.TRANSFER, Action.DECLINE_REFERRAL):
        return decides
    return not decides and bool(profile.roles_in(agency) & proposers)


def public_cases(queryset: QuerySet) -> QuerySet:
    """The cases anyone may know of by reference and status (Open311's public reading, with
    no personal data): never a restricted one (witness protection, trafficking, violence)."""
    return queryset.filter(is_restricted=False)


def reads_personal_data_of_visible(user) -> bool:
    """Whether the cases ``visible_cases`` gives ``user`` may be listed with the person's
    name and contact details: every caller who may see a case may read them
    (``Action.VIEW_PERSONAL_DATA`` is granted with ``Action.VIEW``), as the queue shows."""
    return isinstance(user, SystemCaller) or bool(staff_profile(user).agencies_with(HANDLERS))


def _system_may(caller: SystemCaller, action: Action, case, referral) -> bool:
    if case.is_restricted and not caller.can_see_restricted:
        return False
    if caller.agency_id not in involved_agency_ids(case):
        return action == Action.VIEW and caller.agency_id in former_agency_ids(case)
    if action in SYSTEM_READS:
        return True
    if not caller.can_write:
        return False
    if action == Action.NOTE:
        return True
    if action == Action.CHANGE_OFFICE and referral is not None:
        return referral.to_agency_id == caller.agency_id
    if action in (Action.TRIAGE, Action.TRANSFER, Action.CHANGE_OFFICE) or action in LEAD_WORK:
        return case.lead_agency_id == caller.agency_id
    if action in (
        Action.ANSWER_REFERRAL,
        Action.COMPLETE_REFERRAL,
        Action.DECLINE_REFERRAL,
        Action.ANSWER_TRANSFER,
    ):
        return referral is not None and referral.to_agency_id == caller.agency_id
    return False


def visible_cases(user, queryset: QuerySet, through: str = "") -> QuerySet:
    """The cases of ``queryset`` that ``user`` may see, by the same rules as ``can``;
    with ``through`` (a foreign key to the case, such as "case"), the rows of another
    model whose case they may see.

    Written as correlated EXISTS on the guardian table's (group, permission, case) index,
    so that a page of the newest cases probes a few dozen rows whatever the table's size.
    """
    prefix = f"{through}__" if through else ""
    case_model = (
        queryset.model._meta.get_field(through).related_model if through else queryset.model
    )
    model = get_group_obj_perms_model(case_model)
    permission = _view_permission(case_model)

    def granted_to_groups(groups):
        return Exists(
            model.objects.filter(
                content_object_id=OuterRef(f"{through}_id" if through else "pk"),
                permission=permission,
                group_id__in=groups,
            )
        )

    if isinstance(user, SystemCaller):
        visible = queryset.filter(granted_to_groups([user.group_id]))
        if user.can_see_restricted:
            return visible
        return visible.filter(**{f"{prefix}is_restricted": False})
    profile = staff_profile(user)
    working = profile.agencies_with(HANDLERS)
    if not working:
        return queryset.none()
    referral_model = case_model._meta.get_field("referrals").related_model
    case_ref = OuterRef(f"{through}_id" if through else "pk")

    def reach(agencies):
        """The cases seen through ``agencies``: all those granted to the ones they work
        for as a whole, and of the others those of their offices or given to them."""
        whole = [agency for agency in agencies if profile.offices_in(agency) is None]
        terms = (
            [Q(granted_to_groups([profile.groups[agency] for agency in whole]))] if whole else []
        )
        for agency in sorted(set(agencies) - set(whole)):
            offices = profile.offices_in(agency)
            at_office = (
                Q(**{f"{prefix}lead_agency_id": agency, f"{prefix}lead_office_id__in": offices})
                | Q(**{f"{prefix}assigned_to_id": profile.user_id})
                | Q(
                    Exists(
                        referral_model.objects.filter(
                            case_id=case_ref, to_agency_id=agency, to_office_id__in=offices
                        )
                    )
                )
            )
            terms.append(Q(granted_to_groups([profile.groups[agency]])) & at_office)
        found = terms[0]
        for term in terms[1:]:
            found |= term
        return found

    visible = queryset.filter(reach(working))
    managed = profile.agencies_with(MANAGERS)
    if managed >= working:
        return visible  # a supervisor or CCEO wherever they work sees restricted cases too
    open_to_user = Q(**{f"{prefix}is_restricted": False}) | Q(
        **{f"{prefix}assigned_to_id": profile.user_id}
    )
    if managed:
        open_to_user |= reach(managed)
    return visible.filter(open_to_user)
