"""Reference data of the agencies app: the eight MOU agencies and Thailand's geography.

The functions take an app registry so that data migrations (historical models) and the
``sync_reference_data`` command (current models) share them. Each one is idempotent:
running it again creates nothing twice and keeps what an administrator edited;
only the geography is refreshed from ``geothai``.
"""

import geothai

# (code, Thai name, English name, Thai abbreviation), in the order of the MOU; the first
# coordinates it. Thai readers know the ministries by their Thai abbreviations.
AGENCIES = [
    ("MOJ", "กระทรวงยุติธรรม", "Ministry of Justice", "ยธ."),
    ("MDES", "กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม", "Ministry of Digital Economy and Society", "ดศ."),
    (
        "MSDHS",
        "กระทรวงการพัฒนาสังคมและความมั่นคงของมนุษย์",
        "Ministry of Social Development and Human Security",
        "พม.",
    ),
    ("MOI", "กระทรวงมหาดไทย", "Ministry of Interior", "มท."),
    ("MOL", "กระทรวงแรงงาน", "Ministry of Labour", "รง."),
    ("MOE", "กระทรวงศึกษาธิการ", "Ministry of Education", "ศธ."),
    ("MOPH", "กระทรวงสาธารณสุข", "Ministry of Public Health", "สธ."),
    ("RTP", "สำนักงานตำรวจแห่งชาติ", "Royal Thai Police", "ตร."),
]
COORDINATOR = "MOJ"


def sync_agencies(apps) -> None:
    Agency = apps.get_model("agencies", "Agency")
    Group = apps.get_model("auth", "Group")
    has_short_name = any(f.name == "short_name_th" for f in Agency._meta.get_fields())
    for order, (code, name_th, name_en, short_th) in enumerate(AGENCIES, start=1):
        group, _ = Group.objects.get_or_create(name=f"agency:{code}")
        agency, _created = Agency.objects.get_or_create(
            code=code,
            defaults={
                "name_th": name_th,
                "name_en": name_en,
                "is_coordinator": code == COORDINATOR,
                "sort_order": order,
                "group": group,
            },
        )
        if has_short_name and not agency.short_name_th:  # an administrator's edit stays
            Agency.objects.filter(pk=agency.pk).update(short_name_th=short_th)


def _upsert(model, rows: list[dict], fields: list[str]) -> None:
    model.objects.bulk_create(
        [model(**row) for row in rows],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=fields,
    )


def sync_geography(apps) -> None:
    """Provinces, districts and subdistricts exactly as the installed ``geothai`` gives them."""
    provinces = geothai.provinces()
    districts = [d for p in provinces for d in geothai.districts(p.code)]
    subdistricts = [s for d in districts for s in geothai.subdistricts(d.code)]
    _upsert(
        apps.get_model("agencies", "Province"),
        [{"code": p.code, "name_th": p.name_th, "name_en": p.name_en} for p in provinces],
        ["name_th", "name_en"],
    )
    _upsert(
        apps.get_model("agencies", "District"),
        [
            {
                "code": d.code,
                "name_th": d.name_th,
                "name_en": d.name_en,
                "province_id": d.province_code,
            }
            for d in districts
        ],
        ["name_th", "name_en", "province"],
    )
    _upsert(
        apps.get_model("agencies", "Subdistrict"),
        [
            {
                "code": s.code,
                "name_th": s.name_th,
                "name_en": s.name_en,
                "district_id": s.district_code,
                "postal_codes": " ".join(s.postal_codes),
            }
            for s in subdistricts
        ],
        ["name_th", "name_en", "district", "postal_codes"],
    )
