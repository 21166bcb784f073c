"""Keys and clients for the API's tests."""

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import AgencyApiKey
from tests.referrals.factories import agency


def api_key(agency_code: str, *, write=True, restricted=False, revoked=False, expired=False):
    """A key of the agency's system: (the key row, the key itself)."""
    key, raw = AgencyApiKey.objects.create_key(
        agency=agency(agency_code),
        name=f"{agency_code.lower()}-backoffice",
        can_write=write,
        can_see_restricted=restricted,
        expiry_date=timezone.now() - timedelta(days=1) if expired else None,
    )
    if revoked:
        key.revoked = True
        key.save()
    return key, raw


def key_client(raw: str, language: str = "th") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def staff_client(user) -> APIClient:
    """A member of staff signed in to the portal (the API's session callers)."""
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(user)
    return client


NEW_CASE = {
    "category": "unpaid-wages",
    "description": "นายจ้างไม่จ่ายค่าจ้างมาสามเดือนแล้ว ขอความช่วยเหลือ",
    "citizen_name": "สมชาย ใจดี",
    "citizen_phone": "081 234 5678",
    "province": "10",
}
