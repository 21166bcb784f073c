"""Path converters: a URL that cannot name a case answers 404 before any query runs."""

from django.urls import register_converter


class CaseReferenceConverter:
    """``RP-2569-7KQ3XD`` in any letter case (people type what they read on a slip)."""

    regex = r"[Rr][Pp]-[0-9]{4}-[0-9A-Za-z]{6}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


register_converter(CaseReferenceConverter, "case_reference")
