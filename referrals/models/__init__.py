"""The referrals app's models, by concern; import them from here."""

from referrals.models.cases import (
    OPEN_CASE_STATUSES,
    OPEN_REFERRAL_STATUSES,
    AppendOnlyError,
    Attachment,
    Case,
    CaseEvent,
    CaseEventQuerySet,
    CaseGroupObjectPermission,
    CaseStatus,
    CaseUserObjectPermission,
    Category,
    Channel,
    EventKind,
    PersonalDataAccess,
    Priority,
    Referral,
    ReferralStatus,
    attachment_path,
)
from referrals.models.citizen import ErasureRequest, PossibleDuplicate, Rating
from referrals.models.notifications import Notification

__all__ = [
    "OPEN_CASE_STATUSES",
    "OPEN_REFERRAL_STATUSES",
    "AppendOnlyError",
    "Attachment",
    "Case",
    "CaseEvent",
    "CaseEventQuerySet",
    "CaseGroupObjectPermission",
    "CaseStatus",
    "CaseUserObjectPermission",
    "Category",
    "Channel",
    "ErasureRequest",
    "EventKind",
    "Notification",
    "PersonalDataAccess",
    "PossibleDuplicate",
    "Priority",
    "Rating",
    "Referral",
    "ReferralStatus",
    "attachment_path",
]
