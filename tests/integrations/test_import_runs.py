"""A file of complaints from 1111 becomes cases of the importing agency, once: the same file
again changes nothing, a bad row is refused with its row number and reason in Thai while
the others go in, and a file that is not one is refused whole."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from agencies.models import Role
from integrations import imports, tasks
from integrations.models import Connection, ExternalCase, ImportRun, System
from referrals import identity
from referrals.errors import NotPermitted
from referrals.models import Case, Channel
from tests.integrations.exports import (
    HEADER,
    complaint_row,
    csv_file,
    numbered,
    xlsx_file,
)
from tests.referrals.factories import agency, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def run_of(upload, code="MOL", by=None):
    """The file imported to the end, as the worker does; the run read again."""
    run = imports.start_import(upload, agency(code), by=by or staff(code, Role.INTAKE_OFFICER))
    tasks.import_file(run.pk)
    return ImportRun.objects.get(pk=run.pk)


def outcome(run):
    return run.total_rows, run.created, run.linked, run.unchanged, run.failed


def test_each_row_becomes_a_case_of_the_agency_through_1111_and_a_second_import_changes_nothing():
    first = run_of(csv_file(numbered(3)))

    assert first.status == ImportRun.Status.FINISHED and first.done == 3
    assert outcome(first) == (3, 3, 0, 0, 0)
    cases = Case.objects.order_by("pk")
    assert [case.channel for case in cases] == [Channel.HOTLINE_1111] * 3
    assert {case.lead_agency.code for case in cases} == {"MOL"}
    assert sorted(ExternalCase.objects.values_list("external_id", flat=True)) == [
        "6912-000001",
        "6912-000002",
        "6912-000003",
    ]
    # The connection to 1111 was made on the first import: off, with no address.
    connection = Connection.objects.get(system=System.GCC_1111, agency__code="MOL")
    assert (connection.is_enabled, connection.endpoint) == (False, "")
    assert not first.file  # the file of personal data is not kept once read

    again = run_of(csv_file(numbered(3)))
    assert outcome(again) == (3, 0, 0, 3, 0)
    assert Case.objects.count() == 3
    assert Connection.objects.filter(system=System.GCC_1111).count() == 1


def test_a_number_twice_in_one_file_is_one_case():
    rows = numbered(2)
    rows.append(complaint_row("6912-000001", **{"โทรศัพท์": "0899999999"}))

    run = run_of(csv_file(rows))

    assert outcome(run) == (3, 2, 0, 1, 0)
    assert Case.objects.count() == 2


# A new case and its link, the log of the exchange, savepoints included (``create_case``
# alone: tests/referrals/test_intake_cost.py); the types and places are read once a chunk.
STATEMENTS_A_NEW_ROW = 22
STATEMENTS_A_CHUNK = 12


def test_each_new_row_costs_the_same_few_statements_however_many_rows_there_are():
    by = staff("MOL", Role.INTAKE_OFFICER)
    run_of(csv_file(numbered(1)), by=by)  # the connection to 1111 made
    costs = {}
    for start, count in ((2, 10), (12, 40)):
        run = imports.start_import(csv_file(numbered(count, start)), agency("MOL"), by=by)
        with CaptureQueriesContext(connection) as captured:
            tasks.import_file(run.pk)
        costs[count] = len(captured.captured_queries)

    assert Case.objects.count() == 51
    assert costs[10] <= 10 * STATEMENTS_A_NEW_ROW + STATEMENTS_A_CHUNK, costs
    assert costs[40] <= 40 * STATEMENTS_A_NEW_ROW + STATEMENTS_A_CHUNK, costs
    assert (costs[40] - costs[10]) / 30 <= STATEMENTS_A_NEW_ROW, costs


def test_a_new_state_from_1111_is_noted_on_the_link_on_a_second_import():
    run_of(csv_file(numbered(1)))
    run_of(csv_file([complaint_row("6912-000001", **{"สถานะ": "ยุติเรื่อง"})]))
    assert ExternalCase.objects.get().state_in == "ยุติเรื่อง"


BAD_ROWS = [
    ({"เลขที่เรื่อง": ""}, "เลขที่เรื่อง: "),
    ({"เลขที่เรื่อง": "ab"}, "เลขที่เรื่อง: "),
    ({"ชื่อ-นามสกุลผู้ร้อง": ""}, "ชื่อ-นามสกุลผู้ร้อง: "),
    ({"ชื่อ-นามสกุลผู้ร้อง": "ก" * 201}, "ชื่อ-นามสกุลผู้ร้อง: "),
    ({"โทรศัพท์": "12345"}, "โทรศัพท์: "),
    ({"โทรศัพท์": ""}, "โทรศัพท์: "),
    ({"เลขประจำตัวประชาชน": "1234567890123"}, "เลขประจำตัวประชาชน: "),
    ({"อีเมล": "ไม่ใช่อีเมล"}, "อีเมล: "),
    ({"ประเภทเรื่อง": "ไม่มีประเภทนี้"}, "ประเภทเรื่อง: "),
    ({"จังหวัด": "แอตแลนติส"}, "จังหวัด: "),
    ({"จังหวัด": "เชียงใหม่", "อำเภอ/เขต": "เขตพระนคร"}, "อำเภอ/เขต: "),
    ({"รายละเอียด": ""}, "รายละเอียด: "),
    ({"รายละเอียด": "ก" * 5001}, "รายละเอียด: "),
    ({"วันที่รับเรื่อง": "32/13/2569"}, "วันที่รับเรื่อง: "),
    ({"วันที่รับเรื่อง": "เมื่อวาน"}, "วันที่รับเรื่อง: "),
    ({"วันที่รับเรื่อง": "01/01/2600"}, "วันที่รับเรื่อง: "),
    ({"สถานะ": "ก" * 51}, "สถานะ: "),
]


def test_every_bad_row_is_refused_with_its_row_number_and_reason_in_thai_and_the_rest_go_in():
    rows = [complaint_row("6912-000100")]
    for n, (changes, _column) in enumerate(BAD_ROWS, start=1):
        rows.append(complaint_row(f"6912-{n:06d}", **{"โทรศัพท์": f"08{n:08d}", **changes}))
    rows.append(complaint_row("6912-000101", **{"โทรศัพท์": "0811111111"}))

    run = run_of(csv_file(rows))

    assert outcome(run) == (len(rows), 2, 0, 0, len(BAD_ROWS))
    problems = list(run.problems.order_by("row"))
    # The header is row 1 and the first complaint row 2: the bad ones are rows 3 on.
    assert [problem.row for problem in problems] == list(range(3, 3 + len(BAD_ROWS)))
    for problem, (changes, column) in zip(problems, BAD_ROWS, strict=True):
        assert problem.reason.startswith(column), (changes, problem.reason)
        assert problem.reason.split(": ", 1)[1].strip()
    # In Thai, the language of the person who imported the file.
    assert problems[2].reason == "ชื่อ-นามสกุลผู้ร้อง: กรอกชื่อผู้ที่ต้องการความช่วยเหลือ"
    assert problems[1].number == "ab"
    assert set(ExternalCase.objects.values_list("external_id", flat=True)) == {
        "6912-000100",
        "6912-000101",
    }


def test_an_xlsx_file_with_spaced_headers_in_another_order_and_other_columns_is_read():
    header = ["  จังหวัด ", "หมายเหตุ", "รายละเอียด", "ชื่อ - นามสกุลผู้ร้อง", "ประเภทเรื่อง"]
    header += ["โทรศัพท์ ", "เลขที่เรื่อง", "เลขประจำตัวประชาชน"]
    rows = [complaint_row("6912-000001")]
    # Excel keeps what looks like a number as one: the phone loses its 0, the ID is a float.
    typed = {"โทรศัพท์": 812345678, "เลขประจำตัวประชาชน": 1101700203450.0}

    run = run_of(xlsx_file(rows, header=header, cells=typed))

    assert outcome(run) == (1, 1, 0, 0, 0), list(run.problems.values_list("reason", flat=True))
    case = ExternalCase.objects.get(external_id="6912-000001").case
    assert case.citizen_phone == "0812345678"
    assert case.national_id_hash == identity.keyed_hash("1101700203450")


def test_a_csv_saved_by_thai_windows_is_read():
    run = run_of(csv_file(numbered(1), encoding="cp874"))
    assert Case.objects.get().citizen_name == "สมชาย ใจดี"
    assert run.created == 1


def refusal(upload):
    """The reason the file is refused (read in English: the Thai of these messages comes
    with the translations); nothing was saved."""
    before = (Case.objects.count(), ImportRun.objects.count(), Connection.objects.count())
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        imports.start_import(upload, agency("MOL"), by=staff("MOL", Role.INTAKE_OFFICER))
    after = (Case.objects.count(), ImportRun.objects.count(), Connection.objects.count())
    assert after == before
    return " ".join(refused.value.messages)


def test_a_file_that_is_not_an_export_is_refused_whole(settings):
    assert "neither CSV nor XLSX" in refusal(ContentFile(b"%PDF-1.4 ...", name="1111.pdf"))
    assert "neither CSV nor XLSX" in refusal(ContentFile(b"not a zip", name="1111.xlsx"))
    assert "neither CSV nor XLSX" in refusal(ContentFile(b"\x00\x01\x02", name="1111.csv"))
    assert "empty" in refusal(ContentFile(b"", name="1111.csv"))
    assert "no complaint" in refusal(csv_file([]))
    missing = refusal(csv_file(numbered(1), header=[h for h in HEADER if h != "โทรศัพท์"]))
    assert "โทรศัพท์" in missing and "จังหวัด" not in missing
    twice = refusal(csv_file(numbered(1), header=[*HEADER, "จังหวัด "]))
    assert "จังหวัด" in twice
    settings.IMPORT_MAX_BYTES = 1024
    assert "larger than 0 MB" in refusal(csv_file(numbered(20)))


def test_only_those_who_import_for_the_agency_may_import_for_it():
    with pytest.raises(NotPermitted):
        imports.start_import(csv_file(numbered(1)), agency("MOL"), by=staff("MOE", Role.SUPERVISOR))
    with pytest.raises(NotPermitted):
        imports.start_import(csv_file(numbered(1)), agency("MOL"), by=staff("MOL"))
    assert ImportRun.objects.count() == 0


def test_the_counts_are_saved_after_each_chunk_and_a_second_run_goes_on_from_there(monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 3)
    rows = numbered(7)
    rows[1]["โทรศัพท์"] = "123"
    run = imports.start_import(csv_file(rows), agency("MOL"))

    assert imports.import_rows(run.pk, chunks=1) is False
    run.refresh_from_db()
    assert (run.status, run.done, run.created, run.failed) == ("running", 3, 2, 1)
    assert list(run.problems.values_list("row", flat=True)) == [3]
    assert Case.objects.count() == 2

    # The task runs twice (a broker that delivered it again): the second finds it done.
    assert tasks.import_file(run.pk) is True
    assert tasks.import_file(run.pk) is True
    run.refresh_from_db()
    assert (run.status, run.done, run.created, run.failed) == ("finished", 7, 6, 1)
    assert Case.objects.count() == 6 and run.problems.count() == 1


def test_a_run_that_stopped_is_continued_by_the_periodic_job(settings):
    settings.IMPORT_STALLED_SECONDS = 0
    run = imports.start_import(csv_file(numbered(2)), agency("MOL"))  # its task never ran

    assert tasks.resume_imports() == 1
    run.refresh_from_db()
    assert (run.status, run.created) == ("finished", 2)
    assert tasks.resume_imports() == 0


def test_the_command_imports_a_file_and_reports_each_refused_row(tmp_path, capsys):
    path = tmp_path / "1111.xlsx"
    rows = numbered(2)
    rows[0]["จังหวัด"] = "แอตแลนติส"
    path.write_bytes(xlsx_file(rows).read())

    call_command("import_1111", str(path), "--agency", "mol", "--language", "en")
    call_command("import_1111", str(path), "--agency", "MOL", "--language", "en")

    output = capsys.readouterr().out
    assert "2 rows: 1 new cases, 0 linked to a case, 0 already imported, 1 refused." in output
    assert "2 rows: 0 new cases, 0 linked to a case, 1 already imported, 1 refused." in output
    assert "Row 2: จังหวัด: Unknown province “แอตแลนติส”." in output
    assert Case.objects.count() == 1
    assert ImportRun.objects.filter(by=None, agency__code="MOL").count() == 2
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(CommandError, match="neither CSV nor XLSX"), translation.override("en"):
        call_command("import_1111", str(tmp_path / "notes.txt"), "--agency", "MOL")
    with pytest.raises(CommandError):
        call_command("import_1111", str(path), "--agency", "XYZ")
