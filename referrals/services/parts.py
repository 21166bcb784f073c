"""Access that ends with the purpose (PDPA sections 22 and 37): when an agency's part in a
case ends, its staff keep the case's history but no longer the person's data.

Who has a part is ``agencies.permissions.agencies_with_a_part``; this module applies it
after each step that can end one (a decline, a cancellation, a transfer) and, nightly, to
the agencies whose help was completed more than CASE_REOPEN_DAYS ago.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from guardian.utils import get_group_obj_perms_model

from agencies import permissions
from referrals.models import Case, Referral, ReferralStatus, Transfer, TransferStatus

BATCH = 500


def settle_parts(case: Case) -> set[int]:
    """End the part of each agency that no longer has one in ``case`` (whose row the
    caller has locked); the agencies whose part ended. An agency offered the lead keeps
    its part while it decides."""
    referrals = case.referrals.only("to_agency_id", "status", "closed_at")
    offered = Transfer.objects.filter(case=case, status=TransferStatus.OFFERED)
    return permissions.settle_case_access(
        case, list(referrals), offered=set(offered.values_list("to_agency_id", flat=True))
    )


def end_finished_parts() -> int:
    """The agencies whose help was completed more than CASE_REOPEN_DAYS ago and that still
    read the person's data lose it: each case settled under its lock, in batches. Safe to
    run twice at once (the second finds nothing left or waits for the lock). Returns how
    many agencies' parts ended."""
    cutoff = timezone.now() - timedelta(days=settings.CASE_REOPEN_DAYS)
    grants = get_group_obj_perms_model(Case).objects.filter(
        content_object_id=OuterRef("case_id"),
        permission__codename=permissions.VIEW_CASE,
        group__agency=OuterRef("to_agency_id"),
    )
    finished = (
        Referral.objects.filter(status=ReferralStatus.COMPLETED, closed_at__lt=cutoff)
        .exclude(case__lead_agency_id=F("to_agency_id"))
        .filter(Exists(grants))
        .order_by("case_id")
        .values_list("case_id", flat=True)
        .distinct()
    )
    ended, last = 0, 0
    while batch := list(finished.filter(case_id__gt=last)[:BATCH]):
        for case_id in batch:
            with transaction.atomic():
                case = Case.objects.select_for_update().get(pk=case_id)
                ended += len(settle_parts(case))
        last = batch[-1]
    return ended
