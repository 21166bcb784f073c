"""Every state change of cases and referrals; views, API, admin and tasks call these."""

from referrals.services.attachments import add_attachment
from referrals.services.cases import (
    accept_case,
    add_note,
    assign_case,
    close_case,
    mark_duplicate,
    receive_information,
    reject_case,
    reopen_case,
    request_information,
    resolve_case,
    set_restricted,
    transfer_case,
)
from referrals.services.citizen import (
    add_information,
    anonymise_case,
    ask_reopen,
    confirm_close,
    decide_erasure,
    rate_case,
    request_erasure,
    withdraw_case,
)
from referrals.services.intake import NewCase, create_case
from referrals.services.referring import (
    accept_referral,
    cancel_referral,
    complete_referral,
    decline_referral,
    refer_case,
)

__all__ = [
    "NewCase",
    "accept_case",
    "accept_referral",
    "add_attachment",
    "add_information",
    "add_note",
    "anonymise_case",
    "ask_reopen",
    "assign_case",
    "cancel_referral",
    "close_case",
    "complete_referral",
    "confirm_close",
    "create_case",
    "decide_erasure",
    "decline_referral",
    "mark_duplicate",
    "rate_case",
    "receive_information",
    "refer_case",
    "reject_case",
    "reopen_case",
    "request_erasure",
    "request_information",
    "resolve_case",
    "set_restricted",
    "transfer_case",
    "withdraw_case",
]
