"""Demo accounts, provincial offices, an action plan and ready-made replies so that a newcomer
can try every role.

Creates nothing unless DEBUG is on or --demo is given: demo passwords must never reach a
production database by accident. Idempotent: a second run finds every row and adds none.
``--cases N`` adds N demo cases on top of those already there, on every run.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Exists, OuterRef

from agencies.models import Agency, Inspector, Membership, Office, Province, Role
from portal.demo_cases import create_demo_cases
from portal.demo_cases.factory import DEMO_SECRET
from portal.demo_cases.plan import create_demo_plan
from portal.demo_cases.replies import create_demo_replies
from referrals.models import OPEN_CASE_STATUSES, Case, CaseStatus, Deadline, ReferralStatus
from referrals.services import deadlines
from strategies.models import Activity, Indicator

DEMO_PASSWORD = "demo1234"  # noqa: S105 - documented demo password, refused outside demo mode

# The short name of each role in demo usernames: moj-intake, rtp-supervisor, msdhs-cceo.
ROLE_SLUGS = {
    Role.INTAKE_OFFICER: "intake",
    Role.CASE_OFFICER: "officer",
    Role.SUPERVISOR: "supervisor",
    Role.CCEO: "cceo",
    Role.AGENCY_ADMIN: "admin",
}

# Demo staff get ordinary Thai names, so that pages look as they will in use.
FIRST_NAMES = ["สมชาย", "สุดารัตน์", "วิชัย", "อรุณี", "ประเสริฐ", "กนกวรรณ", "ธนากร", "มาลัย"]
LAST_NAMES = ["ใจดี", "ศรีสุข", "บุญมา", "ทองคำ", "แก้วมณี"]

# A regional office: the demo's Ministry of Justice handles the three southern border
# provinces (Pattani, Yala, Narathiwat) from its office in Songkhla.
REGIONAL_OFFICES = {
    "MOJ": {
        "seat": "90",
        "serves": ["94", "95", "96"],
        "name_th": "สำนักงานยุติธรรมจังหวัดสงขลา (ศูนย์ประสานงานชายแดนภาคใต้)",
        "name_en": "Songkhla Justice Office (southern border coordination)",
    }
}
# Demo staff who work for one office rather than the agency as a whole:
# (agency, office's province, username part) -> roles.
OFFICE_STAFF = {
    ("MOL", "10", "bkk"): (Role.INTAKE_OFFICER, Role.SUPERVISOR),
    ("MOL", "50", "cnx"): (Role.INTAKE_OFFICER, Role.SUPERVISOR),
    ("MOPH", "10", "bkk"): (Role.INTAKE_OFFICER, Role.SUPERVISOR),
    ("MOPH", "50", "cnx"): (Role.INTAKE_OFFICER, Role.SUPERVISOR),
    ("MOJ", "90", "south"): (Role.INTAKE_OFFICER, Role.SUPERVISOR),
}

# How each agency names its provincial office: (Thai prefix, English suffix).
OFFICE_NAMES = {
    "MOJ": ("สำนักงานยุติธรรม", "Provincial Justice Office"),
    "MDES": ("สำนักงานสถิติ", "Provincial Statistical Office"),
    "MSDHS": (
        "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์",
        "Provincial Office of Social Development and Human Security",
    ),
    "MOI": ("ที่ทำการปกครอง", "Provincial Administration Office"),
    "MOL": ("สำนักงานแรงงาน", "Provincial Labour Office"),
    "MOE": ("สำนักงานศึกษาธิการ", "Provincial Education Office"),
    "MOPH": ("สำนักงานสาธารณสุข", "Provincial Public Health Office"),
    "RTP": ("ตำรวจภูธร", "Provincial Police"),
}
BANGKOK = "10"
DEADLINES_UP_TO = 5000


class Command(BaseCommand):
    help = (
        "Create demo accounts (password demo1234), provincial offices, an action plan and "
        "ready-made replies. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo",
            action="store_true",
            help="Create the demo data even though DEBUG is off (never on a live system).",
        )
        parser.add_argument(
            "--cases",
            type=int,
            default=0,
            metavar="N",
            help="Also add N demo cases with referrals and timelines (added on every run).",
        )
        parser.add_argument(
            "--at-least",
            type=int,
            default=0,
            metavar="N",
            help="Add demo cases only until there are N cases in all (idempotent).",
        )

    def handle(self, *args, **options):
        if not (settings.DEBUG or options["demo"]):
            raise CommandError(
                "Demo accounts are created only when DEBUG is on or --demo is given."
            )
        if options["cases"] < 0 or options["at_least"] < 0:
            raise CommandError("--cases and --at-least need a number of cases, 0 or more.")
        with transaction.atomic():
            agencies = list(Agency.objects.order_by("sort_order"))
            offices = self._offices(agencies)
            accounts = self._staff(agencies)
            self._inspector_and_admin()
            # Before the cases: they are linked to the projects of their kinds of help.
            projects = create_demo_plan()
            replies = create_demo_replies()
        self.stdout.write(f"Demo data ready: {offices} provincial offices.")
        self.stdout.write(
            f"Action plan: {projects} projects, {Activity.objects.count()} activities, "
            f"{Indicator.objects.count()} indicators."
        )
        self.stdout.write(f"Ready-made replies of the agencies: {replies}.")
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for agency in agencies:
            self.stdout.write(f"  {agency.code:<6} {', '.join(accounts[agency.code])}")
        self.stdout.write("  inspector (ministry inspector), admin (system administrator)")
        missing = max(options["at_least"] - Case.objects.count(), 0)
        if options["cases"] or missing:
            self._cases(options["cases"] or missing)

    def _cases(self, count: int) -> None:
        summary = create_demo_cases(count, progress=self._progress)
        self.stderr.write("", ending="\n")
        self.stdout.write(
            f"Added {count:,} demo cases in {summary.seconds:.1f} s "
            f"(tracking secret of every one: {DEMO_SECRET})."
        )
        for title, counts, statuses in [
            ("Cases", summary.cases, CaseStatus),
            ("Referrals", summary.referrals, ReferralStatus),
        ]:
            listed = ", ".join(f"{status} {counts[status]:,}" for status in statuses)
            self.stdout.write(f"  {title}: {sum(counts.values()):,} ({listed})")
        self.stdout.write(f"  Timeline events: {summary.events:,}")
        self.stdout.write(f"  Agency permissions (view_case): {summary.permissions:,}")
        if count <= DEADLINES_UP_TO:
            self.stdout.write(f"  Deadlines of open cases: {self._deadlines():,}")

    @staticmethod
    def _deadlines() -> int:
        """Deadlines for the open demo cases, counted from their submission, so that the
        queue shows some on track, some due soon and some overdue. (A bulk load of more
        cases than DEADLINES_UP_TO leaves them out: one case at a time is too slow.)"""
        added = 0
        open_cases = Case.objects.filter(status__in=OPEN_CASE_STATUSES).exclude(
            Exists(Deadline.objects.filter(case=OuterRef("pk")))
        )
        for case in open_cases.order_by("-created_at")[:DEADLINES_UP_TO]:
            with transaction.atomic():
                deadlines.follow(case, now=case.created_at)
            added += 1
        return Deadline.objects.filter(met_at__isnull=True).count() if added else 0

    def _progress(self, done: int, total: int) -> None:
        filled = 30 * done // total
        bar = "#" * filled + "." * (30 - filled)
        self.stderr.write(
            f"\r[{bar}] {done:,}/{total:,} cases", ending="", style_func=lambda text: text
        )
        self.stderr.flush()

    def _offices(self, agencies) -> int:
        provinces = list(Province.objects.all())
        for agency in agencies:
            prefix, suffix = OFFICE_NAMES.get(agency.code, (agency.name_th, "Provincial Office"))
            regional = REGIONAL_OFFICES.get(agency.code)
            for province in provinces:
                if regional and province.code in regional["serves"]:
                    continue  # the regional office handles it
                name_th, name_en = self._office_name(agency.code, prefix, suffix, province)
                if regional and province.code == regional["seat"]:
                    name_th, name_en = regional["name_th"], regional["name_en"]
                office, _created = Office.objects.get_or_create(
                    agency=agency,
                    province=province,
                    defaults={"name_th": name_th, "name_en": name_en},
                )
                if regional and province.code == regional["seat"]:
                    office.serves.set(regional["serves"])
        return Office.objects.count()

    @staticmethod
    def _office_name(code, prefix, suffix, province):
        if province.code != BANGKOK:
            return f"{prefix}จังหวัด{province.name_th}", f"{province.name_en} {suffix}"
        if code == "RTP":
            return "กองบัญชาการตำรวจนครบาล", "Metropolitan Police Bureau"
        return f"{prefix}กรุงเทพมหานคร", f"Bangkok {suffix.removeprefix('Provincial ')}"

    def _staff(self, agencies) -> dict[str, list[str]]:
        """Every role of every agency for the agency as a whole (moj-intake ...), and the
        office staff of OFFICE_STAFF (mol-bkk-intake ...); the usernames by agency."""
        accounts: dict[str, list[str]] = {}
        people = [
            (agency, f"{agency.code.lower()}-{slug}", role, None)
            for agency in agencies
            for role, slug in ROLE_SLUGS.items()
        ]
        by_code = {agency.code: agency for agency in agencies}
        for (code, province, place), roles in OFFICE_STAFF.items():
            if code in by_code:
                office = Office.objects.get(agency=by_code[code], province_id=province)
                people += [
                    (by_code[code], f"{code.lower()}-{place}-{ROLE_SLUGS[role]}", role, office)
                    for role in roles
                ]
        for serial, (agency, username, role, office) in enumerate(people):
            user = self._user(
                username,
                first_name=FIRST_NAMES[serial % len(FIRST_NAMES)],
                last_name=LAST_NAMES[serial % len(LAST_NAMES)],
            )
            Membership.objects.get_or_create(
                user=user, agency=agency, role=role, defaults={"office": office}
            )
            listed = f"{username} ({office.name_th})" if office else username
            accounts.setdefault(agency.code, []).append(listed)
        return accounts

    def _inspector_and_admin(self) -> None:
        inspector = self._user("inspector", first_name="ผู้ตรวจราชการ", last_name="กระทรวงยุติธรรม")
        Inspector.objects.get_or_create(
            user=inspector, defaults={"organisation": "สำนักงานปลัดกระทรวงยุติธรรม"}
        )
        self._user("admin", first_name="ผู้ดูแลระบบ", is_staff=True, is_superuser=True)

    @staticmethod
    def _user(username, **fields):
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={**fields, "email": f"{username}@demo.invalid"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user
