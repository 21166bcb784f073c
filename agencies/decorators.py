"""View decorators for the pages of an agency's administrators."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from agencies import permissions


def agency_admin_required(view):
    """Signed-in administrators of an agency; for anyone else the page does not exist."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.administered_agency_ids(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
