"""What the citizen does on the tracking page, and the erasure of their personal data.

The citizen has no account: ``citizen`` is the ``CitizenAccess`` the tracking page made
after checking the reference code and secret. Each function locks the case, checks that
access and the transition table, and records a public timeline line marked as the
citizen's, like the staff services do.
"""

import copy
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.permissions import Action, CitizenAccess
from referrals import actions
from referrals.errors import CaseNotFound, TransitionNotAllowed
from referrals.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseStatus,
    ErasureRequest,
    EventKind,
    Notification,
    PossibleDuplicate,
    Rating,
)
from referrals.notifications import (
    FORGET_RECIPIENT,
    case_handlers,
    not_told_since,
    notify_citizen,
    notify_staff,
)
from referrals.selectors import personal_data_export, reopenable
from referrals.services import deadlines, email_link, equal_access
from referrals.services._common import lock_case, record, required_text, save_case
from referrals.services.access_log import Read, record_access
from referrals.services.attachments import check_uploads, remove_files, store_uploads
from referrals.services.cases import (
    cancel_open_referrals,
    news_context,
    news_key,
    tell_citizen,
)

MAX_TEXT = 5000


def _citizen_lock(case: Case, citizen: CitizenAccess, name: str, expected_version=None):
    """The case locked for the citizen's action ``name`` (see referrals.actions), after
    checking that it is theirs: anyone else learns nothing of it."""
    if not permissions.can(citizen, actions.CITIZEN[name], case):
        raise CaseNotFound()
    return lock_case(case, expected_version)


def _limited(text: str, message) -> str:
    text = required_text(text, message)
    if len(text) > MAX_TEXT:
        raise ValidationError(_("Keep the text under %(limit)s characters.") % {"limit": MAX_TEXT})
    return text


def add_information(
    case: Case, citizen: CitizenAccess, text: str, files=(), expected_version=None
) -> Case:
    """Information or files from the citizen; when the agency asked for it, the answer
    resumes the case (and its deadline clock)."""
    text = (text or "").strip()
    if not text and not files:
        raise ValidationError({"text": _("Write the information, or attach a file.")})
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {"text": _("Keep the text under %(limit)s characters.") % {"limit": MAX_TEXT}}
        )
    uploads = check_uploads(files)
    stored = []
    try:
        with transaction.atomic():
            case = _citizen_lock(case, citizen, "add_information", expected_version)
            answering = case.status == CaseStatus.WAITING_CITIZEN
            actions.take_as_citizen(citizen, "answer" if answering else "add_information", case)
            save_case(case, "status")
            event = record(
                case,
                EventKind.INFORMATION_RECEIVED,
                None,
                public=True,
                by_citizen=True,
                message=text,
                answer=answering,
            )
            _within_daily_files(case, len(uploads))
            stored = store_uploads(case, uploads, by_citizen=True)
            # One notice per officer for a burst of additions (the case page shows them all);
            # but the answer to the agency's question, which resumes the case, always.
            handlers = case_handlers(case)
            if not answering:
                handlers = not_told_since(
                    "information_received",
                    case,
                    handlers,
                    timezone.now() - timedelta(minutes=settings.INFORMATION_NOTICE_MINUTES),
                )
            notify_staff(
                "information_received",
                f"information_received:e{event.pk}",
                handlers,
                case=case,
                agency=case.lead_agency,
            )
    except Exception:
        remove_files(stored)
        raise
    return case


def _within_daily_files(case: Case, adding: int) -> None:
    """At most CITIZEN_FILES_PER_CASE_PER_DAY files from the citizen in 24 hours, those
    sent with the request included (called under the case's lock, so that additions sent
    at once are counted one after another)."""
    if not adding:
        return
    limit = settings.CITIZEN_FILES_PER_CASE_PER_DAY
    added = Attachment.objects.filter(
        case=case, uploaded_by__isnull=True, created_at__gte=timezone.now() - timedelta(days=1)
    ).count()
    if added + adding > limit:
        left = max(limit - added, 0)
        raise ValidationError(
            {
                "files": _(
                    "A request can receive at most %(limit)s files a day from you. You can add "
                    "%(left)s more today; write what you need to say, or try again tomorrow."
                )
                % {"limit": limit, "left": left}
            }
        )


@transaction.atomic
def send_email_link(case: Case, citizen: CitizenAccess) -> Case:
    """Send the confirmation link again (lost, or too old): at most once an hour, so that
    the page cannot be used to fill someone's mailbox."""
    case = _citizen_lock(case, citizen, "send_email_link")
    if not case.citizen_email or case.citizen_email_confirmed_at is not None:
        raise ValidationError(_("There is no email address to confirm on this request."))
    hour = int(timezone.now().timestamp() // 3600)
    email_link.queue(case, f"case_received:c{case.pk}:h{hour}")
    return case


@transaction.atomic
def confirm_email(case: Case, citizen: CitizenAccess, token: str) -> Case:
    """The citizen opened the link sent to their address, in a browser that holds the
    request's secret: the address is theirs, and from now on it receives the request's
    news. Idempotent; a link for another request or address, or an old one, is refused."""
    case = _citizen_lock(case, citizen, "confirm_email")
    if not email_link.confirms(token, case):
        raise ValidationError(
            _("This confirmation link is not valid or is too old."), code="bad_link"
        )
    if case.citizen_email_confirmed_at is None:
        # Not a change of the case's handling: its version stays, so that no officer's
        # open form is refused as out of date.
        case.citizen_email_confirmed_at = timezone.now()
        case.save(update_fields=["citizen_email_confirmed_at"])
    return case


@transaction.atomic
def withdraw_case(case: Case, citizen: CitizenAccess, reason: str = "", expected_version=None):
    """The citizen no longer needs help: the case ends, and so do its open referrals."""
    reason = (reason or "").strip()[:MAX_TEXT]
    case = _citizen_lock(case, citizen, "withdraw", expected_version)
    actions.take_as_citizen(citizen, "withdraw", case)
    cancel_open_referrals(case, None, reason or _("The citizen withdrew the request."))
    case.closed_at = timezone.now()
    save_case(case, "status", "closed_at")
    record(case, EventKind.WITHDRAWN, None, public=True, by_citizen=True, message=reason)
    return case


def valid_score(value, field: str) -> int:
    """A score from 1 to 5; anything else is refused with a message on ``field``."""
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ValidationError({field: _("Choose a score from 1 to 5.")})
    return score


@transaction.atomic
def rate_case(
    case: Case,
    citizen: CitizenAccess,
    usefulness,
    clarity,
    satisfaction,
    comment: str = "",
) -> Rating:
    """The citizen's rating of a resolved case: three scores from 1 to 5 and a comment."""
    scores = {}
    errors = {}
    for field, value in (
        ("usefulness", usefulness),
        ("clarity", clarity),
        ("satisfaction", satisfaction),
    ):
        try:
            scores[field] = valid_score(value, field)
        except ValidationError as error:
            errors.update(error.message_dict)
    comment = (comment or "").strip()
    if len(comment) > MAX_TEXT:
        errors["comment"] = [_("Keep the text under %(limit)s characters.") % {"limit": MAX_TEXT}]
    if errors:
        raise ValidationError(errors)
    case = _citizen_lock(case, citizen, "rate")
    actions.take_as_citizen(citizen, "rate", case)
    if case.anonymised_at is not None:
        raise TransitionNotAllowed(_("The personal data of this request is already erased."))
    if Rating.objects.filter(case=case).exists():
        raise TransitionNotAllowed(_("You have already rated the help for this request."))
    rating = Rating.objects.create(case=case, comment=comment, **scores)
    record(case, EventKind.RATED, None, by_citizen=True, public=True, **scores)
    return rating


@transaction.atomic
def confirm_close(case: Case, citizen: CitizenAccess, expected_version=None) -> Case:
    """The citizen confirms the help given: the case is closed."""
    case = _citizen_lock(case, citizen, "confirm_close", expected_version)
    actions.take_as_citizen(citizen, "confirm_close", case)
    case.closed_at = timezone.now()
    save_case(case, "status", "closed_at")
    record(case, EventKind.CLOSED, None, public=True, by_citizen=True)
    return case


@transaction.atomic
def ask_reopen(case: Case, citizen: CitizenAccess, reason: str, expected_version=None) -> Case:
    """The problem is not solved: the case goes back to the lead agency, with the reason."""
    reason = _limited(reason, _("Tell us what is still not solved."))
    case = _citizen_lock(case, citizen, "ask_reopen", expected_version)
    actions.take_as_citizen(citizen, "ask_reopen", case)
    if not reopenable(case):
        raise TransitionNotAllowed(
            _("This request can no longer be reopened: please submit a new one.")
        )
    case.resolved_at = None
    save_case(case, "status", "resolved_at")
    record(case, EventKind.REOPENED, None, public=True, by_citizen=True, message=reason)
    return case


@transaction.atomic
def export_personal_data(case: Case, citizen: CitizenAccess) -> dict:
    """Everything the portal holds about the citizen in this case; the access is logged."""
    actions.take_as_citizen(citizen, "export_data", case)
    record_access(case, None, Read.CITIZEN_EXPORT)
    return personal_data_export(case)


@transaction.atomic
def request_erasure(case: Case, citizen: CitizenAccess, reason: str = "") -> ErasureRequest:
    """Ask the lead agency to erase the personal data of a finished case."""
    reason = (reason or "").strip()[:MAX_TEXT]
    case = _citizen_lock(case, citizen, "request_erasure")
    actions.take_as_citizen(citizen, "request_erasure", case)
    if case.anonymised_at is not None:
        raise TransitionNotAllowed(_("The personal data of this request is already erased."))
    try:
        with transaction.atomic():
            erasure = ErasureRequest.objects.create(case=case, reason=reason)
    except IntegrityError as error:
        raise TransitionNotAllowed(
            _("Your request for erasure is already waiting for a decision.")
        ) from error
    record(case, EventKind.ERASURE_REQUESTED, None, public=True, by_citizen=True, message=reason)
    deadlines.start_erasure(case)
    return erasure


@transaction.atomic
def decide_erasure(erasure: ErasureRequest, by, approve: bool, note: str = "") -> ErasureRequest:
    """The lead agency's administrator erases the data, or refuses with a reason
    (for example, a legal duty to keep the record) that the citizen sees."""
    erasure = ErasureRequest.objects.select_for_update().select_related("case").get(pk=erasure.pk)
    if not permissions.can(by, Action.DECIDE_ERASURE, erasure.case):
        raise CaseNotFound()
    if erasure.status != ErasureRequest.Status.PENDING:
        raise TransitionNotAllowed(_("This request has already been decided."))
    note = (note or "").strip()
    if not approve:
        note = _limited(note, _("Say why the data must be kept."))
    erasure.status = ErasureRequest.Status.APPROVED if approve else ErasureRequest.Status.REFUSED
    erasure.decided_by = by
    erasure.decided_at = timezone.now()
    erasure.decision_note = note
    erasure.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    deadlines.meet_erasure(erasure.case)
    case = erasure.case
    if approve:
        # The citizen hears of it where they heard before: their addresses are read before
        # the erasure blanks them, and the message says nothing of what was erased.
        before = copy.copy(case)
        anonymise_case(case, by)
        event = CaseEvent.objects.filter(case=case, kind=EventKind.ANONYMISED).latest("pk")
        # Sent once, the row forgets the address and phone too.
        notify_citizen(
            "citizen_update",
            news_key(event),
            before,
            {**news_context(event), FORGET_RECIPIENT: True},
        )
    else:
        event = record(
            case,
            EventKind.ERASURE_REFUSED,
            by,
            agency=case.lead_agency,
            public=True,
            message=note,
        )
        tell_citizen(case, event)
    return erasure


@transaction.atomic
def anonymise_case(case: Case, by=None) -> Case:
    """Erase what identifies the citizen, keep what the statistics count.

    Kept: category, province and district, agencies, statuses, times, scores. Erased: name,
    phone, email, national ID, description, subdistrict, files, the words of the timeline
    and of the referrals, the rating's comment, possible-duplicate links, unsent messages
    and the answers on who reaches the portal (the dashboards no longer count them).
    """
    case = lock_case(case)
    if case.anonymised_at is not None:
        return case
    files = [attachment.file.name for attachment in case.attachments.all()]
    case.attachments.all().delete()
    storage = Attachment._meta.get_field("file").storage
    # The files go once the erasure is committed: a rollback must find them still there.
    transaction.on_commit(lambda: [storage.delete(name) for name in files])
    CaseEvent.objects.filter(case=case).redact()
    # Referrals describe the person's needs in words: keep who helped, not what was said.
    case.referrals.update(reason="", decline_reason="", outcome="", cancel_reason="")
    PossibleDuplicate.objects.filter(case=case).delete()
    PossibleDuplicate.objects.filter(earlier=case).delete()
    equal_access.erase(case)
    Rating.objects.filter(case=case).update(comment="")
    ErasureRequest.objects.filter(case=case).update(reason="")
    # The LINE accounts that followed the case: an account's id is personal data too.
    case.line_links.all().delete()
    # Emails to the citizen: the address and anything an error message quoted of it.
    Notification.objects.filter(case=case).exclude(recipient="").update(
        recipient="", context={}, last_error=""
    )
    Notification.objects.filter(case=case, status=Notification.Status.PENDING).update(
        status=Notification.Status.FAILED, last_error="personal data erased"
    )
    case.citizen_name = ""
    case.citizen_phone = ""
    case.citizen_email = ""
    case.national_id_encrypted = ""
    case.national_id_hash = ""
    case.safe_hours = ""
    case.safe_word_encrypted = ""
    case.description = ""
    case.public_answer = ""
    case.subdistrict = None
    case.anonymised_at = timezone.now()
    save_case(
        case,
        "citizen_name",
        "citizen_phone",
        "citizen_email",
        "national_id_encrypted",
        "national_id_hash",
        "safe_hours",
        "safe_word_encrypted",
        "description",
        "public_answer",
        "subdistrict",
        "anonymised_at",
    )
    record(case, EventKind.ANONYMISED, by, agency=case.lead_agency, public=True)
    return case
