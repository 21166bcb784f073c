"""The pages where an agency's administrators keep its members, the log of changes that
its CCEOs read too, and the page where a member sets their password from an emailed link.

Anyone who administers no agency is told the members' pages do not exist, and so is an
administrator asking for another agency's member; the log, anyone who reads no agency's.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from agencies import permissions
from agencies.decorators import agency_admin_required
from agencies.members import links, selectors, services
from agencies.members.forms import InviteForm, MembershipForm
from agencies.selectors import administered_agencies

CHANGES_PER_PAGE = 50


def _membership_or_404(user, pk: int):
    membership = selectors.membership_of(user, pk)
    if membership is None:
        raise Http404
    return membership


def _member_name(membership) -> str:
    return membership.user.get_full_name() or membership.user.get_username()


@require_http_methods(["GET", "HEAD"])
@agency_admin_required
def member_list(request):
    """The members of each agency the person administers."""
    sections = [
        (agency, [(m, selectors.status_of(m)) for m in members])
        for agency, members in selectors.members_by_agency(request.user)
    ]
    return render(request, "members/list.html", {"sections": sections})


@require_http_methods(["GET", "HEAD", "POST"])
@agency_admin_required
def invite(request):
    """Invite a new member by email."""
    form = InviteForm(request.POST or None, agencies=administered_agencies(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.invite_member(
                form.chosen_agency(),
                request.user,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                office=data["office"],
            )
        except PermissionDenied as error:
            raise Http404 from error
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s is now a member; an email with the next step went to %(email)s.")
                % {"name": _member_name(membership), "email": membership.user.email},
            )
            return redirect("members:list")
    context = {"form": form, "invitation_days": settings.MEMBER_INVITATION_DAYS}
    return render(request, "members/invite.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@agency_admin_required
def member(request, pk):
    """One member: their details, the form that changes their role and office, and the
    buttons that suspend, reactivate, remove them or reset their password."""
    membership = _membership_or_404(request.user, pk)
    form = MembershipForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_member(
                membership,
                request.user,
                role=form.cleaned_data["role"],
                office=form.cleaned_data["office"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The role and office of %(name)s are saved.")
                % {"name": _member_name(membership)},
            )
            return redirect("members:member", pk=membership.pk)
    context = {"membership": membership, "status": selectors.status_of(membership), "form": form}
    return render(request, "members/member.html", context)


# What each button of a member's page does: the service, and what the page then says.
ACTIONS = {
    "suspend": (
        services.suspend_member,
        gettext_lazy("%(name)s is suspended and signed out."),
    ),
    "reactivate": (
        services.reactivate_member,
        gettext_lazy("%(name)s may work again."),
    ),
    "remove": (
        services.remove_member,
        gettext_lazy("%(name)s is no longer a member of the agency."),
    ),
    "reset-password": (
        services.reset_member_password,
        gettext_lazy(
            "The password of %(name)s no longer works; a link to choose a new one went "
            "to their email address."
        ),
    ),
}


@require_POST
@agency_admin_required
def act(request, pk, action):
    """One of the buttons of a member's page (``ACTIONS``)."""
    if action not in ACTIONS:
        raise Http404
    membership = _membership_or_404(request.user, pk)
    service, done = ACTIONS[action]
    try:
        service(membership, request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("members:member", pk=membership.pk)
    messages.success(request, done % {"name": _member_name(membership)})
    if membership.user_id == request.user.pk and action != "reactivate":
        return redirect("home")  # their own access changed: the members' page may be gone
    if action == "remove":
        return redirect("members:list")
    return redirect("members:member", pk=membership.pk)


@require_http_methods(["GET", "HEAD"])
@login_required
def changes(request):
    """The log of changes to the members of the agencies the person reads it for."""
    if not permissions.member_audit_agency_ids(request.user):
        raise Http404
    page = Paginator(selectors.changes_for(request.user), CHANGES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "lines": selectors.change_lines(page.object_list)}
    return render(request, "members/changes.html", context)


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "HEAD", "POST"])
def set_password(request, uidb64, token):
    """Where a member sets their password from the emailed link, once. A link used or
    expired gets a page saying so (answered 200, as Django's own password-reset page)."""
    user = links.account_for(uidb64, token)
    if user is None:
        return render(request, "members/set_password.html", {"form": None})
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.set_password_with_link(
                uidb64, token, form.cleaned_data["new_password1"]
            )
        except ValidationError as error:
            form.add_error("new_password2", error)
        else:
            if done is None:
                return render(request, "members/set_password.html", {"form": None})
            messages.success(
                request,
                _("Your password is set. Sign in with your username, %(username)s.")
                % {"username": done.get_username()},
            )
            return redirect("login")
    return render(request, "members/set_password.html", {"form": form, "account": user})
