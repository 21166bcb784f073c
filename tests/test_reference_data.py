"""The reference data every other part of the portal relies on, complete and bilingual."""

import importlib
import io
import re

import geothai
import pytest
from django.apps import apps
from django.core.management import call_command

from agencies.models import Agency, District, Province, Subdistrict
from referrals.models import Category, CategoryGroup
from strategies.models import Strategy

pytestmark = pytest.mark.django_db

# Copied from DESIGN.md section 2, independently of the code that loads them.
EXPECTED_AGENCIES = {
    "MOJ": ("กระทรวงยุติธรรม", "Ministry of Justice"),
    "MDES": ("กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม", "Ministry of Digital Economy and Society"),
    "MSDHS": (
        "กระทรวงการพัฒนาสังคมและความมั่นคงของมนุษย์",
        "Ministry of Social Development and Human Security",
    ),
    "MOI": ("กระทรวงมหาดไทย", "Ministry of Interior"),
    "MOL": ("กระทรวงแรงงาน", "Ministry of Labour"),
    "MOE": ("กระทรวงศึกษาธิการ", "Ministry of Education"),
    "MOPH": ("กระทรวงสาธารณสุข", "Ministry of Public Health"),
    "RTP": ("สำนักงานตำรวจแห่งชาติ", "Royal Thai Police"),
}
EXPECTED_STRATEGIES_TH = {
    1: "ส่งเสริมสนับสนุนให้ประชาชนมีความรู้ ความเข้าใจ และได้รับบริการสิทธิขั้นพื้นฐานตามกฎหมายและหลักสิทธิมนุษยชน",
    2: "มาตรการในการลดความเสี่ยงต่อการกระทำความผิด",
    3: "พัฒนากลไกความร่วมมือให้ผู้ที่เข้าสู่กระบวนการยุติธรรมได้รับสิทธิขั้นพื้นฐานในด้านต่าง ๆ อย่างเหมาะสม",
    4: "มาตรการเพิ่มประสิทธิภาพในการคุ้มครองพยานในคดีอาญา",
    5: "สนับสนุนให้การช่วยเหลือ เยียวยาในด้านต่าง ๆ แก่ผู้ได้รับผลกระทบจากการละเมิดสิทธิส่วนบุคคล",
    6: "พัฒนาความร่วมมือร่วมกัน ให้ประชาชนเข้าถึงบริการพื้นฐานของรัฐ",
}
EXPECTED_STRATEGIES_EN = {
    1: "Promote public knowledge of, and access to, basic rights services under the law and "
    "human-rights principles",
    2: "Measures to reduce the risk of offending",
    3: "Cooperation mechanisms so that people who enter the justice process receive their "
    "basic rights appropriately",
    4: "More effective protection of witnesses in criminal cases",
    5: "Assistance and remedies for people affected by violations of their personal rights",
    6: "Joint cooperation so that citizens can access basic state services",
}
# Help a citizen would look for, named by the foundation issue: each must have a category.
NEEDS = [
    "legal-aid",
    "crime-victim-compensation",
    "witness-protection",
    "domestic-violence",
    "human-trafficking",
    "loan-sharks-debt",
    "unpaid-wages",
    "finding-work",
    "school-access",
    "healthcare-access",
    "drug-treatment",
    "civil-registration",
    "elderly-disabled-welfare",
    "online-fraud",
    "official-complaint",
]


def test_the_eight_mou_agencies_with_their_thai_and_english_names():
    agencies = {a.code: (a.name_th, a.name_en) for a in Agency.objects.all()}
    assert agencies == EXPECTED_AGENCIES
    assert list(Agency.objects.filter(is_coordinator=True).values_list("code", flat=True)) == [
        "MOJ"
    ]


def test_every_agency_has_its_own_permission_group():
    groups = {a.code: a.group.name for a in Agency.objects.select_related("group")}
    assert groups == {code: f"agency:{code}" for code in EXPECTED_AGENCIES}


def test_the_six_strategies_in_thai_and_english():
    strategies = list(Strategy.objects.order_by("number"))
    assert [s.number for s in strategies] == [1, 2, 3, 4, 5, 6]
    assert {s.number: s.name_th for s in strategies} == EXPECTED_STRATEGIES_TH
    assert {s.number: s.name_en for s in strategies} == EXPECTED_STRATEGIES_EN


def test_all_77_provinces_with_every_district_and_subdistrict_from_geothai():
    provinces = geothai.provinces()
    districts = [d for p in provinces for d in geothai.districts(p.code)]
    subdistricts = [s for d in districts for s in geothai.subdistricts(d.code)]

    assert Province.objects.count() == 77
    assert District.objects.count() == len(districts) > 900
    assert Subdistrict.objects.count() == len(subdistricts) > 7000
    chiang_mai = Province.objects.get(code="50")
    assert (chiang_mai.name_th, chiang_mai.name_en) == ("เชียงใหม่", "Chiang Mai")
    ko_tao = Subdistrict.objects.select_related("district__province").get(code="840503")
    assert ko_tao.name_en == "Ko Tao"
    assert ko_tao.district.name_th == "เกาะพะงัน"
    assert ko_tao.district.province.name_en == "Surat Thani"


@pytest.mark.parametrize("model", [Province, District, Subdistrict])
def test_no_place_lacks_a_thai_or_an_english_name(model):
    assert not model.objects.filter(name_th="").exists()
    assert not model.objects.filter(name_en="").exists()


def test_every_need_has_a_bilingual_category_with_a_lead_agency_and_a_strategy():
    categories = {c.code: c for c in Category.objects.select_related("lead_agency", "strategy")}
    assert len(categories) >= 15
    assert set(NEEDS) <= set(categories)
    for category in categories.values():
        assert category.name_th and category.name_en, category.code
        assert len(category.description_th) > 20 and len(category.description_en) > 20
        assert category.lead_agency.code in EXPECTED_AGENCIES
        assert 1 <= category.strategy.number <= 6


def test_the_kinds_of_help_sit_in_a_few_plain_bilingual_groups_with_something_else_alone():
    groups = list(CategoryGroup.objects.prefetch_related("categories"))
    assert 3 <= len(groups) <= 6
    for group in groups:
        assert group.name_th and group.name_en, group.code
        assert 1 <= group.categories.count() <= 5, group.code
    ungrouped = Category.objects.filter(group=None).values_list("code", flat=True)
    assert list(ungrouped) == ["other"]


def test_the_descriptions_speak_to_the_citizen_as_khun():
    for category in Category.objects.all():
        assert not re.search("(?<!เ)ท่าน", category.description_th), category.code


def test_the_migration_groups_the_kinds_and_rewords_only_descriptions_never_edited():
    migration = importlib.import_module("referrals.migrations.0015_category_groups")
    former = migration.FORMER_DESCRIPTIONS_TH
    Category.objects.update(group=None)
    Category.objects.filter(code="other").update(description_th=former["other"])
    Category.objects.filter(code="after-prison").update(description_th="แก้ไขโดยผู้ดูแลระบบ")
    Category.objects.filter(code="witness-protection").update(
        description_th=former["witness-protection"]
    )

    migration.group_and_reword(apps, None)

    descriptions = dict(Category.objects.values_list("code", "description_th"))
    assert descriptions["other"].startswith("เล่าปัญหาของคุณได้เลย")
    assert "มีเพียงเจ้าหน้าที่ผู้รับผิดชอบเท่านั้นที่เห็นคำขอของคุณ" in descriptions["witness-protection"]
    assert descriptions["after-prison"] == "แก้ไขโดยผู้ดูแลระบบ"
    grouped = dict(Category.objects.values_list("code", "group__code"))
    assert grouped["unpaid-wages"] == "work-money" and grouped["other"] is None


def test_witness_trafficking_and_violence_categories_are_restricted():
    restricted = set(Category.objects.filter(is_restricted=True).values_list("code", flat=True))
    assert restricted == {"witness-protection", "human-trafficking", "domestic-violence"}


def test_categories_route_to_the_agency_that_gives_that_help():
    lead = dict(Category.objects.values_list("code", "lead_agency__code"))
    assert lead["unpaid-wages"] == "MOL"
    assert lead["healthcare-access"] == "MOPH"
    assert lead["school-access"] == "MOE"
    assert lead["civil-registration"] == "MOI"
    assert lead["witness-protection"] == "MOJ"


def test_syncing_again_creates_nothing_and_keeps_an_administrators_edit():
    Category.objects.filter(code="legal-aid").update(name_en="Free legal help")
    models = (Agency, Strategy, CategoryGroup, Category, Province, Subdistrict)
    before = [model.objects.count() for model in models]

    call_command("sync_reference_data", stdout=io.StringIO())

    after = [model.objects.count() for model in models]
    assert after == before
    assert Category.objects.get(code="legal-aid").name_en == "Free legal help"


def test_syncing_restores_a_deleted_province_name_from_geothai():
    Province.objects.filter(code="50").update(name_en="")
    call_command("sync_reference_data", stdout=io.StringIO())
    assert Province.objects.get(code="50").name_en == "Chiang Mai"
