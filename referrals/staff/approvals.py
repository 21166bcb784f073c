"""The approvals tab of supervisors and CCEOs, and the answers to proposals and transfers
taken from the case page. Thin: selectors read, services act."""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies import permissions
from agencies.models import Agency
from referrals import forms, selectors, services
from referrals.errors import CaseNotFound, NotPermitted, WorkflowError
from referrals.models import Proposal, Transfer
from referrals.staff_views import (
    TAB_LABELS,
    TRANSFER_ACTIONS,
    _case_or_404,
    _perform,
    _version,
    staff_required,
)

APPROVALS_SHOWN = 200


@staff_required
def approvals(request):
    """The declines and transfers proposed in the agencies whose approver the user is,
    the soonest due first, each with its decision form (approve, or reject with a note)."""
    agency_ids = permissions.approval_agency_ids(request.user)
    if not agency_ids:
        raise PermissionDenied(_("This page is for supervisors and CCEOs."))
    bound, bound_pk = None, None
    if request.method == "POST":
        pk = request.POST.get("pk", "")
        proposal = re.fullmatch(r"[0-9]{1,18}", pk) and (
            selectors.pending_proposals(request.user).filter(pk=pk).first()
        )
        if not proposal:
            messages.error(request, _("This proposal is already decided or withdrawn."))
            return redirect("staff:approvals")
        bound = forms.ProposalDecisionForm(request.POST, prefix=f"p{proposal.pk}")
        bound_pk = proposal.pk
        if bound.is_valid() and _decide(request, proposal, bound):
            return redirect("staff:approvals")
    rows = [
        (
            proposal,
            bound
            if proposal.pk == bound_pk
            else forms.ProposalDecisionForm(
                prefix=f"p{proposal.pk}", initial={"version": proposal.version}
            ),
        )
        for proposal in selectors.pending_proposals(request.user)[:APPROVALS_SHOWN]
    ]
    agencies = list(Agency.objects.filter(pk__in=agency_ids))
    return render(
        request,
        "staff/approvals.html",
        {"rows": rows, "tabs": TAB_LABELS, "agency": agencies[0]},
        status=400 if bound is not None else 200,
    )


def _decide(request, proposal: Proposal, form) -> bool:
    """Run the decision; False (the form carrying the refusal) when nothing changed."""
    data = form.cleaned_data
    approve = data["decision"] == "approve"
    try:
        if approve:
            services.approve_proposal(proposal, request.user, data["note"], _version(data))
        else:
            services.reject_proposal(proposal, request.user, data["note"], _version(data))
    except CaseNotFound as error:
        raise Http404(error.message) from error
    except NotPermitted as error:
        raise PermissionDenied(error.message) from error
    except WorkflowError as error:
        form.add_error(None, error.message)
        return False
    except ValidationError as error:
        form.add_error("note", error)
        return False
    done = _("Approved: it takes effect now.") if approve else _("Rejected: the officer is told.")
    messages.success(request, done)
    return True


@require_POST
@staff_required
def withdraw_proposal(request, pk):
    """The proposer takes back a proposal nobody decided yet (from the case page)."""
    proposal = Proposal.objects.select_related("case").filter(pk=pk).first()
    if proposal is None:
        raise Http404
    case = _case_or_404(request.user, proposal.case.reference)
    return _perform(
        request,
        case,
        forms.VersionedForm(request.POST, prefix=f"p{proposal.pk}-withdraw"),
        lambda d: services.withdraw_proposal(proposal, request.user, _version(d)),
        _("The proposal is withdrawn."),
    )


@require_POST
@staff_required
def transfer_action(request, pk, action):
    """The agency offered the lead accepts it or returns it (from the case page)."""
    spec = TRANSFER_ACTIONS.get(action)
    transfer = Transfer.objects.select_related("case").filter(pk=pk).first()
    if spec is None or transfer is None:
        raise Http404
    case = _case_or_404(request.user, transfer.case.reference)
    form = spec.form(request.POST, prefix=f"t{transfer.pk}-{action}")
    return _perform(
        request,
        case,
        form,
        lambda d: spec.run(transfer, request.user, d),
        spec.done,
        referral=f"t{transfer.pk}",
    )
