"""The audit log of reads of citizens' personal data (``PersonalDataAccess``).

Every page that shows a citizen's name, contact details, description or files records who
opened it: the staff case page, a file, the printed slip, the citizen's own download, and
the Django admin's pages of a case. Callers check permission first; this only records.
"""

from agencies.permissions import SystemCaller
from referrals.models import Case, PersonalDataAccess

Read = PersonalDataAccess.Action


def record_access(case: Case, by, action: str) -> PersonalDataAccess:
    """Record that ``by`` (a user, an agency's system, or None for the citizen) read
    ``case``'s personal data."""
    user = by if by is not None and getattr(by, "is_authenticated", False) else None
    key_id = by.key_id if isinstance(by, SystemCaller) else None
    return PersonalDataAccess.objects.create(user=user, api_key_id=key_id, case=case, action=action)
