"""Cells of the spreadsheets the portal hands out (dashboards' downloads, 1111's files)."""

# A text starting with one of these is a formula to a spreadsheet program (and openpyxl
# writes it as one): names and answers typed by people must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value):
    """``value``, with a text that a spreadsheet would read as a formula kept as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value
