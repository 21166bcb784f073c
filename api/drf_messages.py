"""Django REST framework's own messages that its Thai catalogue lacks, listed here so that
the portal's catalogue translates them (the same msgid wins from LOCALE_PATHS): an API
error is in Thai when Thai is asked, whichever layer found it."""

from django.utils.translation import gettext_noop

DRF_MESSAGES = [
    gettext_noop('Invalid pk "{pk_value}" - object does not exist.'),
    gettext_noop("Incorrect type. Expected pk value, received {data_type}."),
    gettext_noop("Object with {slug_name}={value} does not exist."),
    gettext_noop("Not a valid string."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Malformed request."),
    gettext_noop("Invalid input."),
    gettext_noop("This selection may not be empty."),
    gettext_noop("This dictionary may not be empty."),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
    gettext_noop("Ensure this filename has at most {max_length} characters (it has {length})."),
    gettext_noop("Datetime value out of range."),
    gettext_noop("Could not satisfy the request Accept header."),
    gettext_noop("The pagination cursor value."),
    gettext_noop("Number of results to return per page."),
    gettext_noop("A valid biginteger is required."),
]
