"""An agency's ready-made replies, kept by its administrators.

Each function takes the acting user as ``by``, checks with ``agencies.permissions`` that
they keep the agency's replies (NotPermitted otherwise), validates the whole reply (a text
no longer than the box it fills, known placeholders) when it is written or changed, and
saves it in one transaction, with who wrote or last changed it.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from agencies import permissions
from agencies.models import Agency
from referrals.errors import NotPermitted
from referrals.models import Category, ReplyTemplate

# What an administrator writes of a reply (its agency is chosen once, when it is new).
EDITABLE = ("kind", "category", "title", "body")


def _require(by, agency_id: int) -> None:
    if not permissions.may_manage_reply_templates(by, agency_id):
        raise NotPermitted(_("Only the agency's administrators keep its ready-made replies."))


def _locked(template: ReplyTemplate, by) -> ReplyTemplate:
    locked = ReplyTemplate.objects.select_for_update().get(pk=template.pk)
    _require(by, locked.agency_id)
    return locked


def _save(template: ReplyTemplate, by) -> ReplyTemplate:
    template.updated_by = by
    template.full_clean()
    template.save()
    return template


def _set_in_use(template: ReplyTemplate, by, in_use: bool) -> ReplyTemplate:
    template = _locked(template, by)
    template.is_active, template.updated_by = in_use, by
    template.save(update_fields=["is_active", "updated_by", "updated_at"])
    return template


@transaction.atomic
def create_reply_template(
    agency: Agency, by, *, kind: str, title: str, body: str, category: Category | None = None
) -> ReplyTemplate:
    """A new reply of ``agency``, in use at once."""
    _require(by, agency.pk)
    template = ReplyTemplate(
        agency=agency, kind=kind, category=category, title=title, body=body, created_by=by
    )
    return _save(template, by)


@transaction.atomic
def update_reply_template(
    template: ReplyTemplate,
    by,
    *,
    kind: str,
    title: str,
    body: str,
    category: Category | None = None,
) -> ReplyTemplate:
    """Change a reply's box, kind of help, title or text (its agency stays)."""
    template = _locked(template, by)
    template.kind, template.category, template.title, template.body = kind, category, title, body
    return _save(template, by)


@transaction.atomic
def archive_reply_template(template: ReplyTemplate, by) -> ReplyTemplate:
    """Stop offering a reply; it stays listed, and can be restored."""
    return _set_in_use(template, by, False)


@transaction.atomic
def restore_reply_template(template: ReplyTemplate, by) -> ReplyTemplate:
    """Offer an archived reply again (as it was written)."""
    return _set_in_use(template, by, True)
