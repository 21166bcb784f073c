"""The allowed moves of cases and referrals: one table per model.

Each entry maps an action to the statuses it may start from and the status it leads to;
``None`` as the target keeps the status (the action needs the case in one of those states
but does not move it). Anything not in a table is refused with a clear message.
"""

from django.utils.translation import gettext as _

from referrals.errors import TransitionNotAllowed
from referrals.models import CaseStatus as S
from referrals.models import ProposalStatus as P
from referrals.models import ReferralStatus as R
from referrals.models import TransferStatus as T

WORKING = {S.NEW, S.IN_PROGRESS, S.WAITING_CITIZEN}
FINISHED = {S.RESOLVED, S.CLOSED, S.REJECTED, S.DUPLICATE, S.WITHDRAWN}

CASE_TRANSITIONS: dict[str, tuple[set[str], str | None]] = {
    "accept": ({S.NEW}, S.IN_PROGRESS),
    "reject": ({S.NEW}, S.REJECTED),
    "mark_duplicate": ({S.NEW, S.IN_PROGRESS}, S.DUPLICATE),
    # Offered to another agency (it leads once it accepts: "take_lead", the case anew).
    "transfer": ({S.NEW, S.IN_PROGRESS}, None),
    "propose_transfer": ({S.NEW, S.IN_PROGRESS}, None),
    "take_lead": ({S.NEW, S.IN_PROGRESS}, S.NEW),
    # Another office of the lead agency takes it up anew.
    "pass_office": ({S.NEW, S.IN_PROGRESS}, S.NEW),
    "assign": (WORKING, None),
    "take": (WORKING, None),
    "classify": (WORKING, None),
    "restrict": (WORKING, None),
    "request_information": ({S.IN_PROGRESS}, S.WAITING_CITIZEN),
    "receive_information": ({S.WAITING_CITIZEN}, S.IN_PROGRESS),
    "refer": ({S.IN_PROGRESS}, None),
    # Waiting too long for the citizen, the lead agency may resolve with what it has.
    "resolve": ({S.IN_PROGRESS, S.WAITING_CITIZEN}, S.RESOLVED),
    "close": ({S.RESOLVED}, S.CLOSED),
    "reopen": ({S.RESOLVED, S.CLOSED}, S.IN_PROGRESS),
    # The citizen's own moves, from the tracking page.
    "add_information": ({S.NEW, S.IN_PROGRESS}, None),
    "answer": ({S.WAITING_CITIZEN}, S.IN_PROGRESS),
    "withdraw": (WORKING, S.WITHDRAWN),
    "rate": ({S.RESOLVED, S.CLOSED}, None),
    "confirm_close": ({S.RESOLVED}, S.CLOSED),
    "ask_reopen": ({S.RESOLVED}, S.IN_PROGRESS),
    "request_erasure": (FINISHED, None),
}

REFERRAL_TRANSITIONS: dict[str, tuple[set[str], str | None]] = {
    "accept": ({R.PENDING}, R.ACCEPTED),
    "decline": ({R.PENDING}, R.DECLINED),
    "propose_decline": ({R.PENDING}, None),
    "complete": ({R.ACCEPTED}, R.COMPLETED),
    "cancel": ({R.PENDING, R.ACCEPTED}, R.CANCELLED),
    # Before answering, to another office of the agency asked.
    "pass_office": ({R.PENDING}, None),
}

PROPOSAL_TRANSITIONS: dict[str, tuple[set[str], str | None]] = {
    "approve": ({P.PENDING}, P.APPROVED),
    "reject": ({P.PENDING}, P.REJECTED),
    "withdraw": ({P.PENDING}, P.WITHDRAWN),
}

# A transfer offered is accepted by the agency it is offered to, or returned (whatever
# became of the case meanwhile: returning is always possible, leading only an open case).
TRANSFER_TRANSITIONS: dict[str, tuple[set[str], str | None]] = {
    "accept": ({T.OFFERED}, T.ACCEPTED),
    "return": ({T.OFFERED}, T.RETURNED),
}


def allowed(table: dict, action: str, status: str) -> bool:
    return status in table[action][0]


def next_status(table: dict, action: str, current: str, label: str) -> str:
    """The status after ``action``, or a TransitionNotAllowed naming the current status."""
    sources, target = table[action]
    if current not in sources:
        raise TransitionNotAllowed(
            _("This is not possible while the status is “%(status)s”.") % {"status": label}
        )
    return current if target is None else target
