"""View decorators for the pages that belong to some agencies' people: its administrators
(members, offices, keys, replies), those who import 1111's files, those who watch the links
to outside systems."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from agencies import permissions


def agency_page(agency_ids):
    """Signed-in people for whom ``agency_ids(user)`` names an agency (a function of
    ``agencies.permissions``); for anyone else the page does not exist."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not agency_ids(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


agency_admin_required = agency_page(permissions.administered_agency_ids)
