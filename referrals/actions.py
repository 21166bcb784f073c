"""The registry of what staff do to a case or a referral: each action's name, the
permission it needs (``agencies.permissions.Action``) and its row of the transition table.

The services take an action through ``take`` (the permission, then the move), the
selectors ask ``possible`` what a user may do next, and the staff pages bind each name to
its form and service in a table a test holds to this one; so an action's rule is written
here once, and a page cannot offer what its service would refuse.
"""

from agencies import permissions
from agencies.permissions import Action
from referrals.errors import CaseNotFound, NotPermitted
from referrals.models import CaseStatus as S
from referrals.models import Proposal, Transfer
from referrals.transitions import (
    CASE_TRANSITIONS,
    PROPOSAL_TRANSITIONS,
    REFERRAL_TRANSITIONS,
    TRANSFER_TRANSITIONS,
    allowed,
    next_status,
)

# On a case. "note", "attach" and "reissue_secret" keep its status and need no transition.
CASE = {
    "accept": Action.TRIAGE,
    "reject": Action.TRIAGE,
    "mark_duplicate": Action.TRIAGE,
    "classify": Action.TRIAGE,
    "transfer": Action.TRANSFER,
    "pass_office": Action.CHANGE_OFFICE,
    "propose_transfer": Action.PROPOSE_TRANSFER,
    "assign": Action.ASSIGN,
    "take": Action.TAKE,
    "request_information": Action.REQUEST_INFORMATION,
    "receive_information": Action.REQUEST_INFORMATION,
    "refer": Action.REFER,
    "resolve": Action.RESOLVE,
    "close": Action.CLOSE,
    "reopen": Action.REOPEN,
    "restrict": Action.RESTRICT,
    "note": Action.NOTE,
    "attach": Action.NOTE,
    "reissue_secret": Action.REISSUE_SECRET,
}
# Taken on the staff pages alone, not through the API: a new secret is for the person
# at the counter or on the phone, given on a printed slip, never to an agency's system.
STAFF_PAGES_ONLY = frozenset({"reissue_secret"})

# What usually comes next in each status: the case page leads with these (in this order)
# among the actions the person may take, and folds the others away.
NEXT_STEPS = {
    S.NEW: ("accept", "transfer", "propose_transfer"),
    S.IN_PROGRESS: ("refer", "resolve"),
    S.WAITING_CITIZEN: ("receive_information",),
    S.RESOLVED: ("close",),
    S.CLOSED: ("reopen",),
}

# The citizen's usual next steps on the tracking page, in the same way.
CITIZEN_NEXT_STEPS = {
    S.NEW: ("add_information",),
    S.IN_PROGRESS: ("add_information",),
    S.WAITING_CITIZEN: ("add_information",),
    S.RESOLVED: ("rate", "confirm_close"),
    S.CLOSED: ("rate",),
}


def lead_and_fold(forms: dict, steps, unfold: str | None = None) -> tuple[dict, dict, bool]:
    """A page's action forms split into those it leads with (``steps``, those of them
    offered, in that order) and the others, folded away; and whether the folded ones show
    open, because ``unfold`` (the form sent back with a mistake, say) is among them. When
    none of the usual steps is offered, every form leads."""
    leading = {name: forms[name] for name in steps if name in forms}
    if not leading:
        return dict(forms), {}, False
    folded = {name: form for name, form in forms.items() if name not in leading}
    return leading, folded, unfold in folded


# On a referral, by the agency it was sent to (accept, decline or propose to decline,
# complete) or the lead agency that sent it (cancel).
REFERRAL = {
    "accept": Action.ANSWER_REFERRAL,
    "decline": Action.DECLINE_REFERRAL,
    "propose_decline": Action.PROPOSE_DECLINE,
    "complete": Action.COMPLETE_REFERRAL,
    "cancel": Action.CANCEL_REFERRAL,
    "pass_office": Action.CHANGE_OFFICE,
}

# On a proposed decline or transfer: its approvers decide it, its proposer may withdraw it.
PROPOSAL = {
    "approve": Action.DECIDE_PROPOSAL,
    "reject": Action.DECIDE_PROPOSAL,
    "withdraw": Action.WITHDRAW_PROPOSAL,
}

# On a transfer offered: the agency it is offered to accepts the lead or returns it.
TRANSFER = {
    "accept": Action.ANSWER_TRANSFER,
    "return": Action.ANSWER_TRANSFER,
}

# The citizen's, on the tracking page (a ``permissions.CitizenAccess``): "answer" is adding
# information to a case that waits for it; the page's forms are those of CITIZEN_FORMS.
CITIZEN = {
    "add_information": Action.ADD_INFORMATION,
    "withdraw": Action.WITHDRAW,
    "rate": Action.RATE,
    "confirm_close": Action.CONFIRM_CLOSE,
    "ask_reopen": Action.ASK_REOPEN,
    "request_erasure": Action.REQUEST_ERASURE,
    "send_email_link": Action.CONFIRM_EMAIL,
    "choose_channels": Action.CHOOSE_CHANNELS,
    "answer": Action.ADD_INFORMATION,
    "confirm_email": Action.CONFIRM_EMAIL,
    "export_data": Action.EXPORT_DATA,
}
CITIZEN_FORMS = (
    "add_information",
    "withdraw",
    "rate",
    "confirm_close",
    "ask_reopen",
    "request_erasure",
    "send_email_link",
    "choose_channels",
)


def _rules(case, about) -> tuple[dict, dict, object]:
    """The registry, the transition table and the object of an action on the case, or on
    what it is ``about``: one of its referrals, proposals or transfers."""
    if about is None:
        return CASE, CASE_TRANSITIONS, case
    if isinstance(about, Proposal):
        return PROPOSAL, PROPOSAL_TRANSITIONS, about
    if isinstance(about, Transfer):
        return TRANSFER, TRANSFER_TRANSITIONS, about
    return REFERRAL, REFERRAL_TRANSITIONS, about


def take(by, name: str, case, referral=None) -> None:
    """Check that ``by`` may take action ``name`` on the case (or its ``referral``, proposal
    or transfer), and make its move: CaseNotFound (404) for a case they may not see,
    NotPermitted beyond their role, TransitionNotAllowed from the wrong status. The caller
    saves."""
    rules, table, target = _rules(case, referral)
    if not permissions.can(by, Action.VIEW, case):
        raise CaseNotFound()
    if not permissions.can(by, rules[name], case, referral):
        raise NotPermitted()
    if name in table:
        target.status = next_status(table, name, target.status, target.get_status_display())


def possible(user, case, referral=None) -> set[str]:
    """The actions ``user`` may take now on the case (or its ``referral``): allowed by
    role and by status. (Whether the person's data still allows a reopening is the
    selectors' to add.)"""
    rules, table, target = _rules(case, referral)
    return {
        name
        for name, permission in rules.items()
        if (name not in table or allowed(table, name, target.status))
        and permissions.can(user, permission, case, referral)
    }


def take_as_citizen(citizen, name: str, case) -> None:
    """The citizen's action ``name`` on their case: CaseNotFound (404) for any other case,
    TransitionNotAllowed from the wrong status, else its move. The caller saves."""
    if not permissions.can(citizen, CITIZEN[name], case):
        raise CaseNotFound()
    if name in CASE_TRANSITIONS:
        case.status = next_status(CASE_TRANSITIONS, name, case.status, case.get_status_display())


def possible_for_citizen(case) -> set[str]:
    """The tracking page's forms that the case's status allows (the selectors add what
    its data says: already rated, already erased ...)."""
    names = {
        name
        for name in CITIZEN_FORMS
        if name not in CASE_TRANSITIONS or allowed(CASE_TRANSITIONS, name, case.status)
    }
    if allowed(CASE_TRANSITIONS, "answer", case.status):
        names.add("add_information")
    return names
