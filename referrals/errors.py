"""Domain errors of the workflow. Each carries a message a person can read, translated."""

from django.utils.translation import gettext_lazy as _


class WorkflowError(Exception):
    """An action that cannot be taken now; ``message`` says why, in the user's language,
    and ``field`` names the input it is about when there is one (a form shows the message
    beside that field, the API under its name)."""

    default_message = _("This action cannot be taken.")

    def __init__(self, message=None, field: str | None = None):
        self.message = message or self.default_message
        self.field = field
        super().__init__(str(self.message))


class TransitionNotAllowed(WorkflowError):
    default_message = _("This action is not possible in the case's current state.")


class StaleObject(WorkflowError):
    default_message = _(
        "Someone else changed this case while you were working on it. "
        "The page now shows the latest state: check it and try again if still needed."
    )


class NotPermitted(WorkflowError):
    default_message = _("Your role does not allow this action on this case.")


class CaseNotFound(WorkflowError):
    """The case does not exist or the user may not know that it does (answered as 404)."""

    default_message = _("No such case.")
