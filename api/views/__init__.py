"""The REST API at /api/v1/: thin views over the selectors, the services and the
permission module, for agencies' systems (API keys) and staff (their session)."""

from api.views.cases import (
    CaseEventsView,
    CaseFilesView,
    CaseFileView,
    CaseViewSet,
    case_action_views,
    transfer_answer_views,
)
from api.views.changes import ChangesView
from api.views.reference import (
    AgencyViewSet,
    CategoryViewSet,
    DistrictViewSet,
    OfficeViewSet,
    ProvinceViewSet,
    SubdistrictViewSet,
)
from api.views.referrals import ReferralViewSet, referral_action_views

__all__ = [
    "AgencyViewSet",
    "CaseEventsView",
    "CaseFileView",
    "CaseFilesView",
    "CaseViewSet",
    "CategoryViewSet",
    "ChangesView",
    "DistrictViewSet",
    "OfficeViewSet",
    "ProvinceViewSet",
    "ReferralViewSet",
    "SubdistrictViewSet",
    "case_action_views",
    "referral_action_views",
    "transfer_answer_views",
]
