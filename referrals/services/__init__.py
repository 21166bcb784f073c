"""Every state change of cases and referrals; views, API, admin and tasks call these."""

from referrals.services.approvals import (
    approve_proposal,
    propose_decline,
    propose_transfer,
    reject_proposal,
    withdraw_proposal,
)
from referrals.services.attachments import add_attachment
from referrals.services.cases import (
    accept_case,
    add_note,
    assign_case,
    classify_case,
    close_case,
    close_unconfirmed,
    mark_duplicate,
    receive_information,
    reject_case,
    reopen_case,
    request_information,
    resolve_case,
    set_restricted,
    take_case,
)
from referrals.services.channels import set_citizen_channels
from referrals.services.citizen import (
    add_information,
    anonymise_case,
    ask_reopen,
    confirm_close,
    confirm_email,
    decide_erasure,
    export_personal_data,
    rate_case,
    request_erasure,
    send_email_link,
    withdraw_case,
)
from referrals.services.equal_access import EqualAccess
from referrals.services.intake import NewCase, create_case
from referrals.services.offices import pass_case_to_office, pass_referral_to_office
from referrals.services.recovery import (
    IdentityQuestion,
    reissue_secret,
    reset_secret_with_code,
    send_secret_code,
)
from referrals.services.referring import (
    accept_referral,
    cancel_referral,
    complete_referral,
    decline_referral,
    refer_case,
)
from referrals.services.replies import (
    archive_reply_template,
    create_reply_template,
    restore_reply_template,
    update_reply_template,
)
from referrals.services.transfers import accept_transfer, return_transfer, transfer_case

__all__ = [
    "EqualAccess",
    "IdentityQuestion",
    "NewCase",
    "accept_case",
    "accept_referral",
    "accept_transfer",
    "add_attachment",
    "add_information",
    "add_note",
    "anonymise_case",
    "approve_proposal",
    "archive_reply_template",
    "ask_reopen",
    "assign_case",
    "cancel_referral",
    "classify_case",
    "close_case",
    "close_unconfirmed",
    "complete_referral",
    "confirm_close",
    "confirm_email",
    "create_case",
    "create_reply_template",
    "decide_erasure",
    "decline_referral",
    "export_personal_data",
    "mark_duplicate",
    "pass_case_to_office",
    "pass_referral_to_office",
    "propose_decline",
    "propose_transfer",
    "rate_case",
    "receive_information",
    "refer_case",
    "reissue_secret",
    "reject_case",
    "reject_proposal",
    "reopen_case",
    "request_erasure",
    "request_information",
    "reset_secret_with_code",
    "resolve_case",
    "restore_reply_template",
    "return_transfer",
    "send_email_link",
    "send_secret_code",
    "set_citizen_channels",
    "set_restricted",
    "take_case",
    "transfer_case",
    "update_reply_template",
    "withdraw_case",
    "withdraw_proposal",
]
