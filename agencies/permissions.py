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

This module knows cases only by their fields (``lead_agency_id``, ``assigned_to_id``,
``is_restricted``), so that it stays below the referrals app.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from guardian.utils import get_group_obj_perms_model

from agencies.models import Agency, Inspector, Membership, Role

VIEW_CASE = "view_case"


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
    is_authenticated = False
    pk = None


SYSTEM_READS = frozenset({Action.VIEW, Action.VIEW_PERSONAL_DATA, Action.VIEW_ATTACHMENT})


@dataclass
class StaffProfile:
    """A user's roles by agency, read once per request."""

    user_id: int | None
    roles: dict[int, set[str]] = field(default_factory=dict)
    groups: dict[int, int] = field(default_factory=dict)  # agency id -> group id

    def roles_in(self, agency_id: int | None) -> set[str]:
        return self.roles.get(agency_id, set())

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


def assignable(agency_id: int) -> QuerySet:
    """Who may be given a case led by the agency: the people working there in a role that
    handles cases (an agency administrator manages members, not cases)."""
    return get_user_model().objects.filter(
        pk__in=working_memberships()
        .filter(agency_id=agency_id, role__in=HANDLERS)
        .values("user_id")
    )


def staff_profile(user) -> StaffProfile:
    if isinstance(user, SystemCaller | CitizenAccess):
        return StaffProfile(user_id=None)  # no person: no membership, no role
    cached = getattr(user, "_staff_profile", None)
    if cached is not None:
        return cached
    profile = StaffProfile(user_id=user.pk)
    if user.is_authenticated and user.is_active:
        memberships = working_memberships().filter(user=user)
        for agency_id, group_id, role in memberships.values_list(
            "agency_id", "agency__group_id", "role"
        ):
            profile.roles.setdefault(agency_id, set()).add(role)
            profile.groups[agency_id] = group_id
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


def may_record_intake(user) -> bool:
    """Intake officers and supervisors record requests received by phone or at a counter."""
    return bool(staff_profile(user).agencies_with(COORDINATORS))


def _view_permission(model) -> Permission:
    content_type = ContentType.objects.get_for_model(model)
    return Permission.objects.get_by_natural_key(VIEW_CASE, content_type.app_label, "case")


def involved_agency_ids(case) -> set[int]:
    """The agencies whose group holds ``view_case`` on this case (cached on the case)."""
    cached = getattr(case, "_involved_agency_ids", None)
    if cached is None:
        model = get_group_obj_perms_model(case)
        cached = set(
            Agency.objects.filter(
                group__in=model.objects.filter(
                    content_object_id=case.pk, permission__codename=VIEW_CASE
                ).values("group_id")
            ).values_list("id", flat=True)
        )
        case._involved_agency_ids = cached
    return cached


def grant_case_access(case, agency) -> None:
    """Let an agency's staff see a case (routed, transferred or referred to it).

    One statement, the row guardian's ``assign_perm`` would write (it takes four to look
    up the permission and check for the row first); granting twice is harmless.
    """
    model = get_group_obj_perms_model(case)
    quote = connection.ops.quote_name
    # Table names come from model metadata; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
        f"({quote('group_id')}, {quote('permission_id')}, {quote('content_object_id')}) "
        f"SELECT %s, p.id, %s FROM {quote(Permission._meta.db_table)} p "
        f"JOIN {quote(ContentType._meta.db_table)} t ON t.id = p.content_type_id "
        "WHERE p.codename = %s AND t.app_label = %s AND t.model = %s "
        "ON CONFLICT DO NOTHING"
    )
    values = [agency.group_id, case.pk, VIEW_CASE, case._meta.app_label, case._meta.model_name]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
    if getattr(case, "_involved_agency_ids", None) is not None:
        case._involved_agency_ids.add(agency.pk)


def _sees(profile: StaffProfile, case) -> bool:
    involved = involved_agency_ids(case) & profile.agencies_with(HANDLERS)
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
    if not _sees(profile, case):
        return False
    if action in READ_ACTIONS or action == Action.NOTE:
        return True
    lead = profile.roles_in(case.lead_agency_id)
    if action in APPROVAL_ACTIONS:
        return _approval_may(profile, action, case, referral)
    if action in (Action.TRIAGE, Action.REISSUE_SECRET):
        return bool(lead & COORDINATORS)
    if action in LEAD_WORK:
        assigned = Role.CASE_OFFICER in lead and case.assigned_to_id == profile.user_id
        return bool(lead & COORDINATORS) or assigned
    if action in LEAD_MANAGEMENT:
        return bool(lead & MANAGERS)
    if action == Action.TAKE:
        return bool(lead & HANDLERS)
    if action in (Action.ANSWER_REFERRAL, Action.COMPLETE_REFERRAL):
        return referral is not None and bool(profile.roles_in(referral.to_agency_id) & HANDLERS)
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
    declines or transfers at once in their own name: its supervisors and its CCEO.
    (When members belong to offices, "its supervisors" becomes those of the office.)"""
    return MANAGERS


def approves(user, agency_id: int) -> bool:
    """Whether ``user`` decides the agency's declines and transfers (``approver_roles``);
    a proposal is decided by the approvers of its ``agency``."""
    return _decides(staff_profile(user), agency_id)


def _decides(profile: StaffProfile, agency_id: int) -> bool:
    return bool(profile.roles_in(agency_id) & approver_roles(agency_id))


def approval_agency_ids(user) -> set[int]:
    """The agencies whose pending proposals ``user`` decides (their approvals tab)."""
    profile = staff_profile(user)
    return {agency for agency in profile.roles if approves(user, agency)}


def _approval_may(profile: StaffProfile, action: Action, case, about) -> bool:
    """Declines and transfers, decided by the approvers and proposed by the others;
    ``about``: the referral (a decline), the proposal or the transfer offered."""
    if action == Action.DECIDE_PROPOSAL:
        return about is not None and _decides(profile, about.agency_id)
    if action == Action.WITHDRAW_PROPOSAL:
        return about is not None and about.proposed_by_id == profile.user_id
    if action == Action.ANSWER_TRANSFER:
        return about is not None and bool(profile.roles_in(about.to_agency_id) & COORDINATORS)
    if action in (Action.TRANSFER, Action.PROPOSE_TRANSFER):
        agency, proposers = case.lead_agency_id, COORDINATORS
    elif about is None:
        return False
    else:
        agency, proposers = about.to_agency_id, HANDLERS
    decides = _decides(profile, agency)
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
    if caller.agency_id not in involved_agency_ids(case):
        return False
    if case.is_restricted and not caller.can_see_restricted:
        return False
    if action in SYSTEM_READS:
        return True
    if not caller.can_write:
        return False
    if action == Action.NOTE:
        return True
    if action in (Action.TRIAGE, Action.TRANSFER) or action in LEAD_WORK:
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

    def granted_to(agencies):
        return granted_to_groups([profile.groups[agency] for agency in agencies])

    visible = queryset.filter(granted_to(working))
    managed = profile.agencies_with(MANAGERS)
    if managed >= working:
        return visible  # a supervisor or CCEO wherever they work sees restricted cases too
    open_to_user = Q(**{f"{prefix}is_restricted": False}) | Q(
        **{f"{prefix}assigned_to_id": profile.user_id}
    )
    if managed:
        open_to_user |= granted_to(managed)
    return visible.filter(open_to_user)
