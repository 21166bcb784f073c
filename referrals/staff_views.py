"""Staff pages: the agency queue, the case page and its actions, intake, files.

Views are thin: they read through selectors, act through services, and turn the
workflow's errors into messages. A case the user may not see answers 404.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from agencies import permissions
from agencies.models import Agency
from agencies.permissions import HANDLERS, MANAGERS, Action
from referrals import forms, selectors, services
from referrals.actions import NEXT_STEPS
from referrals.downloads import file_download
from referrals.errors import CaseNotFound, NotPermitted, WorkflowError
from referrals.identity import decrypt
from referrals.models import (
    Case,
    Notification,
    NotificationPreferences,
    Referral,
)
from referrals.notifications import STAFF_KINDS, citizen_addresses, render_subject
from referrals.replies import case_page as replies
from referrals.services import inbox
from referrals.services.access_log import Read, record_access

logger = logging.getLogger(__name__)


def staff_required(view):
    """Signed-in staff of an agency; anyone else is told this page is not for them."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.is_staff_member(request.user):
            raise PermissionDenied(_("This page is for the staff of the MOU agencies."))
        return view(request, *args, **kwargs)

    return wrapper


def _case_or_404(user, reference: str) -> Case:
    case = selectors.case_for(user, reference)
    if case is None:
        raise Http404(_("No such case."))
    return case


# --- The queue ------------------------------------------------------------------------


@require_safe
@staff_required
def queue(request):
    canonical = _short_query(request)
    if canonical != request.GET.urlencode() and not request.htmx:
        # A search sends every field of the form, empty ones too: the address keeps only
        # what was chosen, so that it stays short enough to read, bookmark and share.
        return redirect(f"{request.path}?{canonical}" if canonical else request.path)
    profile = permissions.staff_profile(request.user)
    agencies = list(Agency.objects.filter(pk__in=profile.agencies_with(HANDLERS)))
    agency = next((a for a in agencies if a.code == request.GET.get("agency")), agencies[0])
    tab = request.GET.get("tab") if request.GET.get("tab") in selectors.TABS else "new"
    # A member of the agency as a whole narrows the queue to an office; one of an office
    # has that office's queue already.
    scope = permissions.office_scope(request.user, agency.pk)
    whole = scope is None
    offices = list(agency.offices.filter(is_active=True)) if whole else []
    filters = forms.QueueFilterForm(request.GET or None, offices=offices)
    cases = selectors.queue(request.user, agency, tab, filters.filters(), filters.sort_key())
    page = _page_number(request)
    size = settings.STAFF_PAGE_SIZE
    rows = list(cases[(page - 1) * size : page * size + 1])
    context = {
        "agency": agency,
        "agencies": agencies,
        "tab": tab,
        "tabs": TAB_LABELS,
        "filters": filters,
        "filters_active": filters.filters_chosen(),
        "cases": rows[:size],
        "page": page,
        "has_next": len(rows) > size,
        "may_bulk_assign": bool(profile.roles_in(agency.pk) & MANAGERS),
        # A supervisor of an office gives cases to its officers (or the central office's).
        "officers": forms.officers_of(agency.pk, permissions.EVERY_OFFICE if whole else min(scope)),
        "query": _query_without_page(request),
    }
    context["rows"] = _queue_rows(context)
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(
        request, "staff/_queue_results.html" if partial else "staff/queue.html", context
    )
    if partial:  # the address the browser shows: the short one, as without JavaScript
        response["HX-Push-Url"] = f"{request.path}?{canonical}" if canonical else request.path
    patch_vary_headers(response, ["HX-Request"])
    return response


def _queue_rows(context: dict) -> str:
    """The queue's rows, drawn by Jinja2 (templates/jinja2/staff/_queue_rows.html): by
    Django's engine they took half of the page's time. Their words come translated."""
    labels = {
        "select": _("Select"),
        "urgent": _("Urgent"),
        "restricted": _("Restricted"),
        "nobody": _("Nobody"),
    }
    rows = render_to_string("staff/_queue_rows.html", {**context, "labels": labels}, using="jinja2")
    return mark_safe(rows)  # noqa: S308 - drawn by Jinja2, which escaped what it put in


DEFAULT_QUERY = {"sort": "newest", "page": "1"}


def _short_query(request) -> str:
    """The queue's query without empty fields and defaults, in the order sent."""
    kept = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        for value in values:
            if value.strip() and DEFAULT_QUERY.get(name) != value:
                kept.appendlist(name, value)
    return kept.urlencode()


TAB_LABELS = [
    ("new", gettext_lazy("New")),
    ("transfers", gettext_lazy("Transfers to us")),
    ("mine", gettext_lazy("Assigned to me")),
    ("referrals", gettext_lazy("Referrals to us")),
    ("waiting", gettext_lazy("Waiting for the citizen")),
    ("overdue", gettext_lazy("Overdue")),
    ("all", gettext_lazy("All our cases")),
]


MAX_PAGE = 10_000  # beyond it, search or filter: an offset that large helps nobody


def _page_number(request) -> int:
    try:
        return min(max(1, int(request.GET.get("page", 1))), MAX_PAGE)
    except ValueError:
        return 1


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_POST
@staff_required
def bulk_assign(request):
    """A supervisor gives several cases of the queue to one officer at once."""
    officer_id = request.POST.get("officer") or None
    if officer_id is not None and not officer_id.isdigit():
        officer_id = "0"  # matches no officer: every case is reported as not assigned
    references = request.POST.getlist("cases")
    done, refused = 0, []
    for reference in references:
        case = selectors.case_for(request.user, reference)
        officer = None
        if case is not None and officer_id:
            officers = forms.officers_of(case.lead_agency_id, case.lead_office_id)
            officer = officers.filter(pk=officer_id).first()
        try:
            if case is None or (officer_id and officer is None):
                raise CaseNotFound()
            services.assign_case(case, request.user, officer)
            done += 1
        except WorkflowError:
            refused.append(reference)
    if done:
        messages.success(request, _("%(count)s cases assigned.") % {"count": done})
    if refused:
        messages.error(
            request, _("Not assigned: %(references)s.") % {"references": ", ".join(refused)}
        )
    if not references:
        messages.error(request, _("Choose the cases to assign."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("staff:queue")
    return redirect(back)


# --- The case page and its actions ----------------------------------------------------


@dataclass(frozen=True)
class CaseAction:
    """How the staff pages take an action of the registry (``referrals.actions``): the
    form that collects its input, the service that does it, and what the person is told.
    Who may take it, and from which status, is the registry's alone."""

    form: type
    run: Callable
    done: str
    needs_case: bool = False
    then: Callable | None = None  # (request, case, what run returned) -> the next page


def _version(data):
    return data.get("version")


CASE_ACTIONS = {
    "accept": CaseAction(
        forms.VersionedForm,
        lambda case, by, d: services.accept_case(case, by, _version(d)),
        gettext_lazy("The case is accepted into your agency."),
    ),
    "reject": CaseAction(
        forms.RejectForm,
        lambda case, by, d: services.reject_case(case, by, d["reason"], _version(d)),
        gettext_lazy("The case is marked out of scope."),
    ),
    "mark_duplicate": CaseAction(
        forms.DuplicateForm,
        lambda case, by, d: services.mark_duplicate(
            case, by, selectors.case_for(by, d["original"]), _version(d)
        ),
        gettext_lazy("The case is joined to the earlier one."),
    ),
    "transfer": CaseAction(
        forms.TransferForm,
        lambda case, by, d: services.transfer_case(
            case, by, d["to_agency"], d["reason"], _version(d)
        ),
        gettext_lazy("The lead is offered to the other agency: it leads once it accepts."),
        needs_case=True,
    ),
    "propose_transfer": CaseAction(
        forms.TransferForm,
        lambda case, by, d: services.propose_transfer(
            case, by, d["to_agency"], d["reason"], _version(d)
        ),
        gettext_lazy("The transfer is proposed: it takes effect when a supervisor approves."),
        needs_case=True,
    ),
    "pass_office": CaseAction(
        forms.PassOfficeForm,
        lambda case, by, d: services.pass_case_to_office(
            case, by, d["office"], d["reason"], _version(d)
        ),
        gettext_lazy("The case is passed to the other office."),
        needs_case=True,
    ),
    "take": CaseAction(
        forms.VersionedForm,
        lambda case, by, d: services.take_case(case, by, _version(d)),
        gettext_lazy("The case is yours: you work it from now on."),
    ),
    "assign": CaseAction(
        forms.AssignForm,
        lambda case, by, d: services.assign_case(case, by, d["officer"], _version(d)),
        gettext_lazy("The assignment is saved."),
        needs_case=True,
    ),
    "classify": CaseAction(
        forms.ClassifyForm,
        lambda case, by, d: services.classify_case(
            case, by, d["category"], d["priority"], _version(d), project=d["project"]
        ),
        gettext_lazy(
            "The help category, priority and project are saved; the deadlines follow them."
        ),
        needs_case=True,
    ),
    "note": CaseAction(
        forms.NoteForm,
        lambda case, by, d: services.add_note(case, by, d["text"], d["public"]),
        gettext_lazy("The note is added."),
    ),
    "attach": CaseAction(
        forms.AttachmentForm,
        lambda case, by, d: services.add_attachment(case, by, d["file"]),
        gettext_lazy("The file is added."),
    ),
    "request_information": CaseAction(
        forms.QuestionForm,
        lambda case, by, d: services.request_information(case, by, d["text"], _version(d)),
        gettext_lazy("The question is sent; the case waits for the citizen."),
    ),
    "receive_information": CaseAction(
        forms.AnswerForm,
        lambda case, by, d: services.receive_information(case, by, d["text"], _version(d)),
        gettext_lazy("The answer is recorded; work resumes."),
    ),
    "refer": CaseAction(
        forms.ReferForm,
        lambda case, by, d: services.refer_case(case, by, d["asks"], _version(d)),
        gettext_lazy("The case is referred."),
        needs_case=True,
    ),
    "resolve": CaseAction(
        forms.ResolveForm,
        lambda case, by, d: services.resolve_case(
            case, by, d["answer"], d["override_reason"], _version(d)
        ),
        gettext_lazy("The case is resolved."),
    ),
    "close": CaseAction(
        forms.VersionedForm,
        lambda case, by, d: services.close_case(case, by, _version(d)),
        gettext_lazy("The case is closed."),
    ),
    "reopen": CaseAction(
        forms.ReasonForm,
        lambda case, by, d: services.reopen_case(case, by, d["reason"], _version(d)),
        gettext_lazy("The case is reopened."),
    ),
    "restrict": CaseAction(
        forms.RestrictForm,
        lambda case, by, d: services.set_restricted(
            case, by, d["restricted"], d["reason"], _version(d)
        ),
        gettext_lazy("Access to the case is changed."),
    ),
    "reissue_secret": CaseAction(
        forms.ReissueSecretForm,
        lambda case, by, d: services.reissue_secret(
            case, by, d["question"], d["asked"], d["answered"]
        ),
        gettext_lazy("A new secret is given: the old one no longer works."),
        then=lambda request, case, result: _new_slip(request, case, result[1]),
    ),
}

REFERRAL_ACTIONS = {
    "accept": CaseAction(
        forms.VersionedForm,
        lambda referral, by, d: services.accept_referral(referral, by, _version(d)),
        gettext_lazy("The referral is accepted."),
    ),
    "decline": CaseAction(
        forms.DeclineForm,
        lambda referral, by, d: services.decline_referral(referral, by, d["reason"], _version(d)),
        gettext_lazy("The referral is declined."),
    ),
    "propose_decline": CaseAction(
        forms.DeclineForm,
        lambda referral, by, d: services.propose_decline(referral, by, d["reason"], _version(d)),
        gettext_lazy("The decline is proposed: it takes effect when a supervisor approves."),
    ),
    "complete": CaseAction(
        forms.OutcomeForm,
        lambda referral, by, d: services.complete_referral(referral, by, d["outcome"], _version(d)),
        gettext_lazy("The outcome is reported to the lead agency."),
    ),
    "cancel": CaseAction(
        forms.CancelReferralForm,
        lambda referral, by, d: services.cancel_referral(referral, by, d["reason"], _version(d)),
        gettext_lazy("The referral is cancelled."),
    ),
    "pass_office": CaseAction(
        forms.PassOfficeForm,
        lambda referral, by, d: services.pass_referral_to_office(
            referral, by, d["office"], d["reason"], _version(d)
        ),
        gettext_lazy("The referral is passed to the other office."),
        needs_case=True,  # here: the referral
    ),
}


# On the transfer a case is offered in: the agency offered the lead answers.
TRANSFER_ACTIONS = {
    "accept": CaseAction(
        forms.VersionedForm,
        lambda transfer, by, d: services.accept_transfer(transfer, by, _version(d)),
        gettext_lazy("Your agency leads the case now: triage it."),
    ),
    "return": CaseAction(
        forms.ReturnTransferForm,
        lambda transfer, by, d: services.return_transfer(transfer, by, d["reason"], _version(d)),
        gettext_lazy("The case is returned to the former lead, which is told why."),
    ),
}


def _action_forms(user, case, names, bound=None) -> dict:
    """An unbound form for each of the actions ``names`` (those the user may take), and the
    bound one that failed."""
    built = {}
    for name, spec in CASE_ACTIONS.items():  # in the registry's order, the same every time
        if name not in names:
            continue
        kwargs = {"case": case} if spec.needs_case else {}
        # The access form proposes the change: restricting an open case, or opening it.
        initial = {"version": case.version, "restricted": not case.is_restricted}
        built[name] = spec.form(initial=initial, prefix=name, **kwargs)
    if "resolve" in built and not permissions.can(user, Action.OVERRIDE_RESOLVE, case):
        built["resolve"].fields.pop("override_reason", None)
    if bound is not None:
        built[bound.prefix] = bound
    return built


# Taking a case nobody works is offered beside who works it, never as an action's card.
TAKE = "take"


def _page_actions(user, case) -> set[str] | None:
    """The case actions the case page offers ``user`` now; None when the page is not theirs
    to act on: they may not read the person's data (their agency's part ended), and get
    the history of that part instead."""
    if not permissions.can(user, Action.VIEW_PERSONAL_DATA, case):
        return None
    return selectors.available_actions(user, case)


def _case_forms(request, case, actions, bound=None) -> tuple[object, dict, dict, bool]:
    """The case page's action forms: the form that takes the case; the usual next steps'
    forms, in their order (every action's, when none of them is offered); the other actions,
    folded away, each with its form only when the page opens it (the one sent back with a
    mistake, or asked for with ``?for=``), else None; and whether the folded ones show open.
    A folded form is drawn when it is opened (``case_action_form``), so that the page does
    not draw a dozen forms, nor ask for their choices, for the one or none that is used."""
    bound_name = bound.prefix if bound is not None else None
    unfold = request.GET.get("for") or bound_name
    names = [name for name in CASE_ACTIONS if name in actions or name == bound_name]
    steps = [name for name in NEXT_STEPS.get(case.status, ()) if name in names]
    leading = steps or [name for name in names if name != TAKE]
    drawn = [name for name in names if name in leading or name in (TAKE, unfold)]
    built = _action_forms(request.user, case, drawn, bound)
    next_forms = {name: built[name] for name in leading}
    folded = {name: built.get(name) for name in names if name not in leading and name != TAKE}
    return built.get(TAKE), next_forms, folded, unfold in folded


def _render_case(request, case, bound=None, bound_referral=None, status=200):
    actions = _page_actions(request.user, case)
    if actions is None:
        # The user's agency had a part that ended: what it did, not the person.
        history = selectors.former_history(request.user, case)
        return render(request, "staff/case_history.html", {"case": case, **history}, status=status)
    page = selectors.case_page(case)
    referral_forms = []
    for referral in page["referrals"]:
        names = selectors.available_referral_actions(request.user, case, referral)
        built = {  # in the registry's order: accept before decline, complete, cancel
            name: spec.form(
                initial={"version": referral.version},
                prefix=f"r{referral.pk}-{name}",
                **({"referral": referral} if spec.needs_case else {}),
            )
            for name, spec in REFERRAL_ACTIONS.items()
            if name in names
        }
        if bound is not None and bound_referral == referral.pk:
            built[bound.prefix.rsplit("-", 1)[1]] = bound
        referral_forms.append((referral, built))
    transfer, transfer_names = selectors.available_transfer_actions(request.user, case)
    transfer_forms = {
        name: spec.form(initial={"version": transfer.version}, prefix=f"t{transfer.pk}-{name}")
        for name, spec in TRANSFER_ACTIONS.items()
        if name in transfer_names
    }
    if bound is not None and transfer is not None and bound_referral == f"t{transfer.pk}":
        transfer_forms[bound.prefix.rsplit("-", 1)[1]] = bound
    record_access(case, request.user, Read.VIEW_CASE)
    duplicates = selectors.possible_duplicates(request.user, case)
    take, next_forms, more_forms, more_open = _case_forms(
        request, case, actions, bound if bound_referral is None else None
    )
    context = {
        "case": case,
        "actions": actions,
        "take_form": take,
        "next_forms": next_forms,
        "more_forms": more_forms,
        "more_open": more_open,
        "referrals": referral_forms,
        "transfer": transfer,
        "transfer_forms": transfer_forms,
        "proposals": [
            (proposal, selectors.proposal_actions(request.user, proposal))
            for proposal in selectors.pending_proposals(request.user, case)
        ],
        "events": page["events"],
        "attachments": page["attachments"],
        "deadlines": page["deadlines"],
        "outside_numbers": page["outside_numbers"],
        "national_id": _decrypted(case, case.national_id_encrypted),
        # The safe word only for those who may read the person's data (the read is
        # recorded above with the page's).
        "safe_word": _decrypted(case, case.safe_word_encrypted)
        if permissions.can(request.user, Action.VIEW_PERSONAL_DATA, case)
        else "",
        # How news of the case reaches the person now (their choice, what they confirmed
        # or linked, and their safe way to be contacted), so that staff know whether a
        # question asked here will reach them or needs a call.
        "reached_by": [
            Notification.Channel(channel).label
            for channel in dict.fromkeys(channel for channel, _ in citizen_addresses(case))
        ],
        "possible_duplicates": duplicates,
        "hidden_duplicates": sum(1 for _link, may_open in duplicates if not may_open),
        "rating": getattr(case, "rating", None),
    }
    case_forms = [form for form in [*next_forms.values(), *more_forms.values()] if form]
    referral_boxes = [form for _referral, built in referral_forms for form in built.values()]
    context["reply_pickers"] = replies.offer(
        request.user, case, [*case_forms, *referral_boxes], request.GET
    )
    return render(request, "staff/case.html", context, status=status)


def _decrypted(case, token: str) -> str:
    """An encrypted identifier of the person (national ID, safe word), readable."""
    if not token:
        return ""
    try:
        return decrypt(token)
    except InvalidToken:
        # Encrypted under another key (FIELD_ENCRYPTION_KEY changed): say so, do not fail.
        logger.error("An identifier of case %s cannot be decrypted", case.reference)
        return _("(cannot be decrypted: check FIELD_ENCRYPTION_KEY)")


@require_safe
@staff_required
def case_detail(request, reference):
    return _render_case(request, _case_or_404(request.user, reference))


@require_safe
@staff_required
def case_action_form(request, reference, action):
    """One folded action's form, drawn when it is opened: the card alone for htmx, which
    puts it in place of the folded one; without JavaScript the case page with that form
    open (``?for=``), which the folded card's link asks for anyway. 404 for a form the user
    may not use now, as for a case they may not see."""
    case = _case_or_404(request.user, reference)
    if action == TAKE or action not in (_page_actions(request.user, case) or ()):
        raise Http404(_("This action is not offered on this case now."))
    if not request.htmx:
        url = reverse("staff:case", args=[case.reference])
        return redirect(f"{url}?for={action}#action-{action}")
    form = _action_forms(request.user, case, [action])[action]
    pickers = replies.offer(request.user, case, [form], request.GET)
    context = {"case": case, "name": action, "form": form, "reply_pickers": pickers}
    response = render(request, "staff/_case_action_form.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@staff_required
def case_action(request, reference, action):
    spec = CASE_ACTIONS.get(action)
    if spec is None:
        raise Http404
    case = _case_or_404(request.user, reference)
    kwargs = {"case": case} if spec.needs_case else {}
    form = spec.form(request.POST, request.FILES, prefix=action, **kwargs)
    return _perform(
        request, case, form, lambda d: spec.run(case, request.user, d), spec.done, then=spec.then
    )


@require_POST
@staff_required
def referral_action(request, pk, action):
    spec = REFERRAL_ACTIONS.get(action)
    referral = Referral.objects.select_related("case").filter(pk=pk).first()
    if spec is None or referral is None:
        raise Http404
    case = _case_or_404(request.user, referral.case.reference)
    kwargs = {"referral": referral} if spec.needs_case else {}
    form = spec.form(request.POST, prefix=f"r{referral.pk}-{action}", **kwargs)
    return _perform(
        request,
        case,
        form,
        lambda d: spec.run(referral, request.user, d),
        spec.done,
        referral=referral.pk,
    )


def _perform(request, case, form, run, done, referral=None, then=None):
    """Run a service on a valid form; show its refusal in the user's language, beside the
    field it is about when it names one, else as a message. ``then`` makes the next page
    from what the service returned (else the case page)."""
    if form.is_valid():
        try:
            result = run(form.cleaned_data)
        except CaseNotFound as error:
            raise Http404(error.message) from error
        except NotPermitted as error:
            raise PermissionDenied(error.message) from error
        except WorkflowError as error:
            if error.field not in form.fields:
                messages.error(request, error.message)
                return redirect(case)
            form.add_error(error.field, error.message)  # beside what was chosen
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, done)
            if then is not None:
                return then(request, case, result)
            case.refresh_from_db()
            if not permissions.can(request.user, Action.VIEW, case):
                return redirect("staff:queue")  # e.g. now restricted, beyond this user
            return redirect(case)
    case.refresh_from_db()
    return _render_case(request, case, bound=form, bound_referral=referral)


@require_safe
@staff_required
def attachment(request, reference, pk):
    case = _case_or_404(request.user, reference)
    if not permissions.can(request.user, Action.VIEW_ATTACHMENT, case):
        raise Http404
    download = file_download(case, pk, request.user)
    if download is None:
        raise Http404
    return download


# --- Intake ---------------------------------------------------------------------------

SLIP_SESSION_KEY = "intake_slips"
REISSUED_SLIP_KEY = "reissued_slips"


@staff_required
def intake(request):
    """An intake officer records a request received by phone, at a counter or from 1111."""
    if not permissions.may_record_intake(request.user):
        raise PermissionDenied(_("Only intake officers and supervisors record requests."))
    if request.method != "POST" or "refresh" in request.POST:
        form = forms.IntakeForm(request.POST or None)
        return render(request, "staff/intake.html", {"form": form})
    form = forms.IntakeForm(request.POST)
    if form.is_valid():
        new_case = services.NewCase.from_form(form.cleaned_data)
        try:
            case, secret = services.create_case(new_case, by=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if new_case.equal_access.dropped():
                messages.warning(
                    request,
                    _(
                        "The caller's answers on %(questions)s were not kept: the box "
                        "recording their consent was not ticked."
                    )
                    % {"questions": new_case.equal_access.dropped_names()},
                )
            slips = request.session.get(SLIP_SESSION_KEY, {})
            slips[case.reference] = secret
            request.session[SLIP_SESSION_KEY] = slips
            return redirect("staff:slip", reference=case.reference)
    return render(request, "staff/intake.html", {"form": form})


def _add_errors(form, error: ValidationError):
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


@require_safe
@staff_required
def slip(request, reference):
    """The printable slip with the tracking code and, right after recording, the secret.

    Who may print it is the permission module's (the officer who recorded the request may,
    even when it went to another agency).
    """
    case = selectors.case_for(request.user, reference, Action.PRINT_SLIP)
    if case is None:
        raise Http404(_("No such case."))
    reissued = _take_slip_secret(request, REISSUED_SLIP_KEY, case)
    secret = reissued or _take_slip_secret(request, SLIP_SESSION_KEY, case)
    record_access(case, request.user, Read.PRINT_SLIP)
    may_open = permissions.can(request.user, Action.VIEW, case)
    return render(
        request,
        "staff/slip.html",
        {"case": case, "secret": secret, "may_open": may_open, "reissued": bool(reissued)},
    )


def _take_slip_secret(request, key: str, case) -> str | None:
    """A secret kept for the slip, once: it is shown on the next slip and then forgotten."""
    slips = request.session.get(key, {})
    secret = slips.pop(case.reference, None)
    request.session[key] = slips
    return secret


def _new_slip(request, case, secret: str):
    """After a new secret is given: the slip that shows it, once."""
    slips = request.session.get(REISSUED_SLIP_KEY, {})
    slips[case.reference] = secret
    request.session[REISSUED_SLIP_KEY] = slips
    return redirect("staff:slip", reference=case.reference)


# --- Citizens' requests to erase their data --------------------------------------------


@login_required
def erasure_requests(request):
    """The lead agency's administrators decide citizens' requests to erase their data."""
    if not permissions.decides_erasures(request.user):
        raise PermissionDenied(_("This page is for agency administrators."))
    bound, bound_pk = None, None
    if request.method == "POST":
        pk = request.POST.get("pk", "")
        erasure = re.fullmatch(r"[0-9]{1,18}", pk) and (
            selectors.pending_erasures(request.user).filter(pk=pk).first()
        )
        if not erasure:
            raise Http404
        bound = forms.ErasureDecisionForm(request.POST, prefix=f"e{erasure.pk}")
        bound_pk = erasure.pk
        if bound.is_valid():
            approve = bound.cleaned_data["decision"] == "approve"
            try:
                services.decide_erasure(erasure, request.user, approve, bound.cleaned_data["note"])
            except CaseNotFound as error:
                raise Http404 from error
            except WorkflowError as error:
                messages.error(request, error.message)
            except ValidationError as error:
                bound.add_error("note", error)
            else:
                done = (
                    _("The personal data of %(reference)s is erased.")
                    if approve
                    else _("The request of %(reference)s is refused.")
                )
                messages.success(request, done % {"reference": erasure.case.reference})
                return redirect("staff:erasure_requests")
    rows = [
        (
            erasure,
            bound if erasure.pk == bound_pk else forms.ErasureDecisionForm(prefix=f"e{erasure.pk}"),
        )
        for erasure in selectors.pending_erasures(request.user)[:100]
    ]
    return render(
        request,
        "staff/erasure_requests.html",
        {"rows": rows},
    )


# --- Notifications --------------------------------------------------------------------

NOTIFICATIONS_SHOWN = 50


@login_required
def notifications(request):
    """The bell: the latest notifications in the portal, and what to receive by email."""
    preferences = NotificationPreferences.objects.filter(user=request.user).first()
    initial = {
        "language": preferences.language if preferences else settings.LANGUAGE_CODE,
        "by_email": [
            kind
            for kind in STAFF_KINDS
            if kind not in (preferences.email_off if preferences else [])
        ],
    }
    form = forms.NotificationPreferencesForm(initial=initial)
    if request.method == "POST" and "read_all" in request.POST:
        inbox.mark_read(request.user)
        return redirect("staff:notifications")
    if request.method == "POST":
        form = forms.NotificationPreferencesForm(request.POST)
        if form.is_valid():
            inbox.save_preferences(
                request.user, form.cleaned_data["language"], set(form.cleaned_data["by_email"])
            )
            messages.success(request, _("Your choices are saved."))
            return redirect("staff:notifications")
    rows = list(
        Notification.objects.filter(user=request.user, channel=Notification.Channel.IN_PORTAL)
        .select_related("case", "case__category", "case__province", "agency", "user")
        .order_by("-created_at")[:NOTIFICATIONS_SHOWN]
    )
    language = translation.get_language()
    for row in rows:
        row.language = language  # shown in the reader's language of the moment
        row.subject = render_subject(row)
    return render(request, "staff/notifications.html", {"rows": rows, "form": form})


@require_POST
@login_required
def open_notification(request, pk):
    """Mark a notification read and go to its case."""
    row = Notification.objects.filter(
        pk=pk, user=request.user, channel=Notification.Channel.IN_PORTAL
    ).first()
    if row is None:
        raise Http404
    inbox.mark_read(request.user, row.pk)
    if row.case is not None and permissions.can(request.user, Action.VIEW, row.case):
        return redirect(row.case)
    return redirect("staff:notifications")
