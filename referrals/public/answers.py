"""Answers the citizens' pages share: a refusal for too many requests, and a service's
refusal shown on its form."""

from django.core.exceptions import ValidationError
from django.shortcuts import render


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
