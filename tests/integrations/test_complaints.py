"""A 1111 complaint becomes a request here: its type a help category (as mapped, or by
name), its place a province, district and subdistrict however 1111 writes them; what means
nothing here is refused by name, in Thai."""

import pytest
from django.core.exceptions import ValidationError

from integrations.gcc1111.complaints import Complaint, to_new_case
from integrations.models import System, ValueMapping
from referrals.models import Category

pytestmark = pytest.mark.django_db


def complaint(**fields):
    values = {
        "number": "6712-000200",
        "name": "สมชาย ใจดี",
        "phone": "0812345678",
        "description": "นายจ้างไม่จ่ายค่าจ้างสามเดือน",
        "complaint_type": "unpaid-wages",
        "province": "กรุงเทพมหานคร",
    }
    return Complaint(**{**values, **fields})


@pytest.mark.parametrize(
    ("province", "district", "expected"),
    [
        ("กรุงเทพมหานคร", "เขตพระนคร", ("10", "1001")),
        ("กทม.", "พระนคร", ("10", "1001")),
        ("Bangkok", "Phra Nakhon", ("10", "1001")),
        ("จังหวัดเชียงใหม่", "อำเภอเมืองเชียงใหม่", ("50", "5001")),
        ("50", "5001", ("50", "5001")),
        ("เชียงใหม่", "", ("50", None)),
    ],
)
def test_places_are_found_however_1111_writes_them(province, district, expected):
    data = to_new_case(complaint(province=province, district=district))
    assert (data.province.code, data.district.code if data.district else None) == expected


def test_a_type_is_a_category_by_code_by_thai_name_or_as_mapped():
    wages = Category.objects.get(code="unpaid-wages")
    assert to_new_case(complaint(complaint_type=wages.name_th)).category == wages
    ValueMapping.objects.create(
        system=System.GCC_1111, kind="category", code="0304", label="แรงงาน", category=wages
    )
    assert to_new_case(complaint(complaint_type="0304")).category == wages


def test_what_means_nothing_here_is_refused_by_name_in_thai():
    with pytest.raises(ValidationError) as refused:
        to_new_case(complaint(complaint_type="ไม่มีประเภทนี้", province="แอตแลนติส"))
    assert set(refused.value.message_dict) == {"category", "province"}
    assert "ไม่มีประเภทนี้" in refused.value.message_dict["category"][0]
    with pytest.raises(ValidationError) as refused:
        to_new_case(complaint(province="เชียงใหม่", district="เขตพระนคร"))
    assert set(refused.value.message_dict) == {"district"}
