"""Answers the citizens' pages share: a refusal for too many requests, and a service's
refusal shown on its form."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _


def too_many(request, template: str, context: dict, message: str, retry_after: int = 3600):
    context["throttled"] = message
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def add_errors(form, error: ValidationError) -> None:
    """A service's refusal beside the field it names, or at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def ask_files_again(form, request) -> None:
    """A form sent back for a mistake keeps its text but not its files (a browser cannot
    be given files back): say so beside the file field, and so in the summary, unless the
    files themselves were what was wrong."""
    chosen = any(request.FILES.getlist(form.add_prefix("files")))
    if chosen and form.errors and "files" in form.fields and "files" not in form.errors:
        form.add_error(
            "files",
            _(
                "The files you chose were not kept because of the mistake above: "
                "choose them again before sending."
            ),
        )
