"""Import a file of complaints exported by 1111 for an agency, from the console: the same
checks and the same service as the import page, read at once rather than by a worker."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from agencies.models import Agency
from integrations import imports
from integrations.models import ImportRun


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of complaints exported by 1111 as cases of an agency."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--agency", required=True, help="The agency's code, e.g. MOL.")
        parser.add_argument(
            "--language", default="", help="th or en (default: the active language, Thai)."
        )

    def handle(self, *args, file: Path, agency: str, language: str, **options):
        # Everything the command says, and the reasons of refused rows, in ``--language``.
        language = language or translation.get_language() or settings.LANGUAGE_CODE
        with translation.override(language):
            self._import(file, agency, language)

    def _import(self, file: Path, agency: str, language: str) -> None:
        found = Agency.objects.filter(code=agency.upper()).first()
        if found is None:
            raise CommandError(_("There is no agency with the code %(code)s.") % {"code": agency})
        if not file.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": file})
        with file.open("rb") as opened:
            try:
                run = imports.start_import(File(opened, name=file.name), found, language=language)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        imports.import_rows(run.pk)
        run = ImportRun.objects.get(pk=run.pk)
        self.stdout.write(
            _(
                "%(total)s rows: %(created)s new cases, %(linked)s linked to a case, "
                "%(unchanged)s already imported, %(failed)s refused."
            )
            % {
                "total": run.total_rows,
                "created": run.created,
                "linked": run.linked,
                "unchanged": run.unchanged,
                "failed": run.failed,
            }
        )
        for problem in run.problems.order_by("row"):
            self.stdout.write(
                _("Row %(row)s: %(reason)s") % {"row": problem.row, "reason": problem.reason}
            )
