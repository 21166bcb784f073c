"""Projects, activities and indicators of the action plan, running this fiscal year."""

import factory
from django.utils import timezone

from agencies.models import Agency
from strategies.fiscal import fiscal_year_days, fiscal_year_of
from strategies.models import Activity, Indicator, Measurement, Project, Strategy


def this_fiscal_year() -> int:
    return fiscal_year_of(timezone.localdate())


def agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    strategy = factory.LazyFunction(lambda: Strategy.objects.get(number=1))
    code = factory.Sequence(lambda n: f"P1-T{n:03d}")
    name_th = factory.Sequence(lambda n: f"โครงการทดสอบ {n}")
    name_en = factory.Sequence(lambda n: f"Test project {n}")
    lead_agency = factory.LazyFunction(lambda: agency("MOJ"))
    first_fiscal_year = factory.LazyFunction(this_fiscal_year)
    last_fiscal_year = factory.LazyAttribute(lambda project: project.first_fiscal_year + 1)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    project = factory.SubFactory(ProjectFactory)
    name_th = factory.Sequence(lambda n: f"กิจกรรมทดสอบ {n}")
    name_en = factory.Sequence(lambda n: f"Test activity {n}")
    responsible_agency = factory.LazyFunction(lambda: agency("MOL"))
    planned_start = factory.LazyFunction(lambda: fiscal_year_days(this_fiscal_year())[0])
    planned_end = factory.LazyFunction(lambda: fiscal_year_days(this_fiscal_year())[1])


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    project = factory.SubFactory(ProjectFactory)
    strategy = None
    name_th = factory.Sequence(lambda n: f"ตัวชี้วัดทดสอบ {n}")
    name_en = factory.Sequence(lambda n: f"Test indicator {n}")
    unit_th = "ครั้ง"
    unit_en = "times"
    responsible_agency = factory.LazyFunction(lambda: agency("MOL"))
    measurement = Measurement.REPORTED
