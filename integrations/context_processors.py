from django.utils.functional import SimpleLazyObject

from agencies.permissions import exchange_agency_ids, import_agency_ids


def exchanges(request):
    """Whether the staff menu offers the page of the links to outside systems, and the
    import of 1111 files."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "watches_exchanges": SimpleLazyObject(lambda: bool(exchange_agency_ids(user))),
        "imports_1111": SimpleLazyObject(lambda: bool(import_agency_ids(user))),
    }
