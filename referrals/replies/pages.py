"""The pages where an agency's administrators keep its ready-made replies: the list, a new
reply, a change, archiving and restoring. Anyone who administers no agency is told the
pages do not exist, and so is an administrator asking for another agency's reply."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from agencies.decorators import agency_admin_required
from agencies.selectors import administered_agencies
from referrals import services
from referrals.errors import NotPermitted
from referrals.models import LONGEST_REPLY, Category, ReplyKind, ReplyTemplate
from referrals.replies import selectors
from referrals.services.replies import EDITABLE
from referrals.widgets import CountedTextarea


class ReplyTemplateForm(forms.ModelForm):
    """A reply's agency (on a new reply, when the person administers several), the box it
    is offered in, its kind of help, title and text."""

    class Meta:
        model = ReplyTemplate
        fields = ["agency", *EDITABLE]
        widgets = {"body": CountedTextarea(attrs={"rows": 8})}

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = list(agencies)
        if self.instance.pk is None and len(self.agencies) > 1:
            self.fields["agency"].queryset = agencies
            self.fields["agency"].empty_label = None
        else:
            del self.fields["agency"]  # a reply stays with the agency it was written for
        self.fields["kind"].choices = ReplyKind.choices
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["category"].empty_label = gettext_lazy("Any kind of help")
        # The live count under the text follows the box chosen (the server checks again).
        kind = self["kind"].value()
        if kind in LONGEST_REPLY:
            self.fields["body"].widget.attrs["data-max-length"] = LONGEST_REPLY[kind]

    def chosen_agency(self):
        return self.cleaned_data["agency"] if "agency" in self.fields else self.agencies[0]

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in EDITABLE}


def _reply_or_404(user, pk: int) -> ReplyTemplate:
    template = selectors.reply_of(user, pk)
    if template is None:
        raise Http404
    return template


@require_http_methods(["GET", "HEAD"])
@agency_admin_required
def reply_list(request):
    """The replies of each agency the person administers: those in use, then archived."""
    return render(
        request, "replies/list.html", {"sections": selectors.replies_by_agency(request.user)}
    )


@require_http_methods(["GET", "HEAD", "POST"])
@agency_admin_required
def reply_edit(request, pk=None):
    """Write a new reply, or change one of the person's agencies."""
    template = None if pk is None else _reply_or_404(request.user, pk)
    form = ReplyTemplateForm(
        request.POST or None, instance=template, agencies=administered_agencies(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            if template is None:
                template = services.create_reply_template(
                    form.chosen_agency(), request.user, **form.changes()
                )
            else:
                template = services.update_reply_template(template, request.user, **form.changes())
        except NotPermitted as error:
            raise Http404 from error
        except ValidationError as error:
            form.add_error(None, error)
        else:
            saved = _("The reply “%(title)s” is saved.") % {"title": template.title}
            messages.success(request, saved)
            return redirect("replies:list")
    return render(request, "replies/form.html", {"form": form, "template": template})


@require_POST
@agency_admin_required
def archive(request, pk):
    """Stop offering a reply (it can be restored)."""
    template = services.archive_reply_template(_reply_or_404(request.user, pk), request.user)
    messages.success(
        request,
        _("The reply “%(title)s” is archived: staff no longer see it.") % {"title": template.title},
    )
    return redirect("replies:list")


@require_POST
@agency_admin_required
def restore(request, pk):
    """Offer an archived reply again."""
    template = services.restore_reply_template(_reply_or_404(request.user, pk), request.user)
    messages.success(
        request, _("The reply “%(title)s” is offered to staff again.") % {"title": template.title}
    )
    return redirect("replies:list")
