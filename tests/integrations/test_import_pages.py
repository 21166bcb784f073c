"""The pages of the 1111 files: who may import, follow an import, download its refused
rows and the daily status file (the agency's intake officers, supervisors and CCEOs; anyone
else is told the page does not exist), the progress of a run, and the cost of the lists."""

import csv
import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from agencies.models import Role
from integrations import imports, tasks
from integrations.models import ExternalCase, ImportRun
from referrals import services
from tests.helpers import signed_in
from tests.integrations.exports import HEADER, complaint_row, csv_file, numbered
from tests.matrix import Person, matrix_rows
from tests.referrals.factories import agency, staff, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

IMPORT = reverse("imports:import")
STATUS = reverse("imports:status")

PAGES = """
The import page, an upload for MOL, MOL's run, its refused rows, MOL's status file, the template.
                      import  upload  run   refused  status  template
mol intake officer    Y       Y       Y     Y        Y       Y
mol case officer      404     404     404   404      404     404
mol supervisor        Y       Y       Y     Y        Y       Y
mol cceo              Y       Y       Y     Y        Y       Y
mol agency admin      404     404     404   404      404     404
moe supervisor        -       -       404   404      -       Y
inspector             404     404     404   404      404     404
anonymous             login   login   login login    login   login
"""


def mol_run(rows=None, by=None):
    """An import for MOL, read to the end: its file name is mol-1111.csv."""
    if rows is None:
        rows = [*numbered(2), complaint_row("6912-000009", **{"จังหวัด": "ไม่มี"})]
    run = imports.start_import(csv_file(rows, name="mol-1111.csv"), agency("MOL"), by=by)
    tasks.import_file(run.pk)
    return ImportRun.objects.get(pk=run.pk)


def today_fields(**more):
    day = timezone.localdate()
    return {"day_0": day.day, "day_1": day.month, "day_2": day.year, **more}


def status_query(code="MOL", kind="csv", **more):
    return today_fields(agency=agency(code).pk, format=kind, **more)


def visit(client, page, run):
    if page == "import":
        return client.get(IMPORT)
    if page == "upload":
        upload = csv_file(numbered(1, start=50), name="new.csv")
        return client.post(IMPORT, {"agency": agency("MOL").pk, "file": upload})
    if page == "run":
        return client.get(reverse("imports:run", args=[run.pk]))
    if page == "refused":
        return client.get(reverse("imports:problems", args=[run.pk]))
    if page == "status":
        return client.get(STATUS, status_query())
    return client.get(reverse("imports:template", args=["csv"]))


@pytest.mark.parametrize(("who", "page", "expected"), list(matrix_rows(PAGES, Person.called)))
def test_only_those_who_import_for_the_agency_reach_its_1111_pages(client, who, page, expected):
    run = mol_run()
    user = who.make()
    if user is not None:
        signed_in(client, user)

    response = visit(client, page, run)

    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse(settings.LOGIN_URL)}?next=")
        return
    if expected == "404":
        assert response.status_code == 404
        return
    uploaded = ImportRun.objects.filter(file_name="new.csv", agency__code="MOL")
    assert uploaded.exists() is (page == "upload" and expected == "Y")
    attachment = response.get("Content-Disposition", "")
    if page == "import":
        assert response.status_code == 200
        assert ("mol-1111.csv" in response.text) is (expected == "Y")
    elif page == "upload":
        assert response.status_code == (302 if expected == "Y" else 200)
    elif page == "status":
        assert bool(attachment) is (expected == "Y")
    elif page == "run":
        assert response.status_code == 200 and "mol-1111.csv" in response.text
    else:
        assert response.status_code == 200 and attachment


def test_an_upload_shows_the_run_and_its_progress_without_javascript_and_by_htmx(client):
    user = staff("MOL", Role.INTAKE_OFFICER)
    signed_in(client, user)
    rows = [*numbered(3), complaint_row("6912-000099", **{"โทรศัพท์": "99"})]

    response = client.post(IMPORT, {"agency": agency("MOL").pk, "file": csv_file(rows)})

    run = ImportRun.objects.get()
    assert response["Location"] == reverse("imports:run", args=[run.pk])
    assert (run.by, run.status, run.total_rows, run.done) == (user, "queued", 4, 0)
    page = client.get(response["Location"])
    assert '<progress id="import-bar" max="4" value="0">' in page.text
    assert 'hx-trigger="every 2s"' in page.text

    tasks.import_file(run.pk)  # the worker

    partial = client.get(response["Location"], headers={"HX-Request": "true"})
    assert "<html" not in partial.text
    assert '<progress id="import-bar" max="4" value="4">' in partial.text
    assert "hx-trigger" not in partial.text  # finished: the page stops asking
    assert "<td>5</td><td>6912-000099</td><td>โทรศัพท์: " in partial.text
    reloaded = client.get(response["Location"])
    assert (
        "<html" in reloaded.text and '<progress id="import-bar" max="4" value="4">' in reloaded.text
    )


def test_a_file_refused_whole_is_said_on_the_page_and_nothing_is_saved(client):
    signed_in(client, staff("MOL", Role.SUPERVISOR))
    upload = csv_file(numbered(1), header=["เลขที่เรื่อง", "ชื่อ"])

    response = client.post(IMPORT, {"agency": agency("MOL").pk, "file": upload})

    assert response.status_code == 200
    assert "โทรศัพท์" in response.text and "form-errors" in response.text
    assert not ImportRun.objects.exists()


def test_the_refused_rows_download_as_csv_with_their_row_numbers(client):
    run = mol_run()
    signed_in(client, staff("MOL", Role.SUPERVISOR), language="en")

    response = client.get(reverse("imports:problems", args=[run.pk]))

    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Row,Complaint number,Reason"
    assert lines[1].startswith("4,6912-000009,จังหวัด: ")
    assert len(lines) == 2


def test_the_refused_rows_are_paged(client):
    rows = [complaint_row(f"6912-{n:06d}", **{"จังหวัด": "ไม่มี"}) for n in range(1, 56)]
    run = mol_run(rows)
    signed_in(client, staff("MOL", Role.SUPERVISOR))
    url = reverse("imports:run", args=[run.pk])

    first, second = client.get(url), client.get(url, {"page": 2})

    assert first.text.count("<td>6912-") == 50 and second.text.count("<td>6912-") == 5
    assert "<td>56</td>" in second.text and "<td>56</td>" not in first.text


def test_the_lists_cost_the_same_for_many_rows(client, django_assert_max_num_queries):
    user = staff("MOL", Role.SUPERVISOR)
    signed_in(client, user)
    many = [complaint_row(f"6912-{n:06d}", **{"จังหวัด": "ไม่มี"}) for n in range(1, 80)]
    run = mol_run(many, by=user)
    for start in (100, 200, 300):
        mol_run(numbered(2, start=start), by=staff("MOL", Role.INTAKE_OFFICER))
    imported = ImportRun.objects.filter(agency__code="MOL").count()
    assert imported == 4

    with django_assert_max_num_queries(12):
        listing = client.get(IMPORT)
    assert listing.text.count("mol-1111.csv") == 4
    with django_assert_max_num_queries(12):
        client.get(reverse("imports:run", args=[run.pk]))
    with django_assert_max_num_queries(12):
        client.get(reverse("imports:problems", args=[run.pk]))
    with django_assert_max_num_queries(16):
        status = client.get(STATUS, status_query())
    assert len(status.content.decode("utf-8-sig").splitlines()) == 1 + 6


def status_file_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_status_file_lists_the_agencys_1111_cases_that_moved_that_day_in_1111s_words(client):
    supervisor = staff("MOL", Role.SUPERVISOR)
    mol_run(numbered(3))
    accepted, resolved = (
        ExternalCase.objects.get(external_id=f"6912-00000{n}").case for n in (2, 3)
    )
    services.accept_case(accepted, supervisor)
    services.accept_case(resolved, supervisor)
    services.resolve_case(resolved, supervisor, "นายจ้างจ่ายค่าจ้างครบแล้ว")
    submit()  # a case of MOL from the web: not 1111's
    other = numbered(1, start=7)[0] | {"ประเภทเรื่อง": "online-fraud"}  # led by another agency
    mol_run([other])
    signed_in(client, staff("MOL", Role.INTAKE_OFFICER))

    response = client.get(STATUS, status_query())

    assert response["Content-Disposition"].startswith('attachment; filename="1111-status-MOL-')
    header, *rows = status_file_rows(response)
    assert header == [*HEADER, "ผลการดำเนินการ", "วันที่ปรับปรุง"]
    today = timezone.localdate()
    shown = f"{today:%d/%m}/{today.year + 543}"
    by_number = {row[0]: row for row in rows}
    assert sorted(by_number) == ["6912-000001", "6912-000002", "6912-000003"]
    first = by_number["6912-000001"]
    assert first[1] == shown
    assert first[2:6] == ["", "", "", ""]  # 1111 holds the person's details already
    assert first[6:10] == [accepted.category.name_th, "กรุงเทพมหานคร", "เขตพระนคร", ""]
    assert [by_number[n][11] for n in sorted(by_number)] == [
        "รับเรื่อง",
        "อยู่ระหว่างดำเนินการ",
        "ดำเนินการแล้วเสร็จ",
    ]
    assert by_number["6912-000003"][12] == "นายจ้างจ่ายค่าจ้างครบแล้ว"
    assert first[13].startswith(shown + " ")

    workbook = client.get(STATUS, status_query(kind="xlsx"))
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    cells = [
        ["" if value is None else value for value in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    assert cells == [header, *rows]

    yesterday = today - timedelta(days=1)
    earlier = client.get(
        STATUS,
        {
            **status_query(),
            "day_0": yesterday.day,
            "day_1": yesterday.month,
            "day_2": yesterday.year,
        },
    )
    assert status_file_rows(earlier) == [header]


def test_a_bad_day_is_said_on_the_status_page(client):
    signed_in(client, staff("MOL", Role.CCEO))
    response = client.get(STATUS, status_query(day_1=2, day_0=31))
    assert response.status_code == 200 and "Content-Disposition" not in response
    assert "form-errors" in response.text
