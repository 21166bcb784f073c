"""Ready-made replies on the staff case page.

Above each text box a reply may fill (a note, a request for information, a resolution, the
help given on a referral), a picker lists the replies the person may insert there, each
already filled in for the case. With JavaScript (portal.js) its button puts the chosen
text where the cursor is, beside what is typed; without, the button asks for the page
again with ``?reply=<id>&for=<form>``, and the page opens with that box filled.
"""

from dataclasses import dataclass

from django import forms

from referrals.models import Case, ReplyKind
from referrals.replies.selectors import replies_for_case

# The boxes of the case page's forms that a reply fills: action -> (field, kind of reply).
BOXES = {
    "note": ("text", ReplyKind.PUBLIC_NOTE),
    "request_information": ("text", ReplyKind.REQUEST_INFORMATION),
    "resolve": ("answer", ReplyKind.OUTCOME),
    "complete": ("outcome", ReplyKind.OUTCOME),
}
# A note made from a reply to the citizen is meant for them: inserting it ticks this box.
SHOWN_TO_CITIZEN = {"note": "public"}


@dataclass(frozen=True)
class Reply:
    pk: int
    title: str
    text: str  # filled in for the case


@dataclass(frozen=True)
class Picker:
    """The replies offered above one form's box, and the ids that tie them together."""

    form: forms.Form
    field: str
    ticks: str  # the checkbox that inserting also ticks, or ""
    replies: list[Reply]

    @property
    def prefix(self) -> str:
        return self.form.prefix

    @property
    def form_id(self) -> str:
        """The id of the small GET form (outside the action's form) that the picker's
        select and button belong to."""
        return f"reply-{self.prefix}"

    @property
    def box_id(self) -> str:
        return self.form[self.field].auto_id

    @property
    def ticks_id(self) -> str:
        return self.form[self.ticks].auto_id if self.ticks else ""


def offer(user, case: Case, action_forms, query) -> list[Picker]:
    """Give each of ``action_forms`` that has a box a reply fills its picker (as
    ``form.reply_picker``, which the form's fields template shows above the box), and
    fill the box of the unbound form that ``query`` asks a reply for. Returns the pickers.
    """
    templates = replies_for_case(user, case)
    if not templates:
        return []
    pickers = []
    for form in action_forms:
        action = form.prefix.rsplit("-", 1)[-1]  # "r12-complete" is a referral's "complete"
        if action not in BOXES:
            continue
        field, kind = BOXES[action]
        replies = [
            Reply(template.pk, template.title, template.filled_for(case))
            for template in templates
            if template.kind == kind
        ]
        if not replies:
            continue
        picker = Picker(form, field, SHOWN_TO_CITIZEN.get(action, ""), replies)
        form.reply_picker = picker
        pickers.append(picker)
        if query.get("for") == form.prefix and not form.is_bound:
            _fill(picker, query.get("reply", ""))
    return pickers


def _fill(picker: Picker, asked: str) -> None:
    chosen = next((reply for reply in picker.replies if str(reply.pk) == asked), None)
    if chosen is None:
        return  # archived since, or not this person's to use: the box stays as it was
    picker.form.initial[picker.field] = chosen.text
    if picker.ticks:
        picker.form.initial[picker.ticks] = True
