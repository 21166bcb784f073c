"""Thailand's six geographical regions (the National Geographical Committee's division),
by the DOPA code of each province, so that needs can be read region by region."""

from dataclasses import dataclass

from agencies.bilingual import pick


@dataclass(frozen=True)
class Region:
    code: str
    name_th: str
    name_en: str

    @property
    def name(self) -> str:
        return pick(self.name_th, self.name_en)


REGIONS = [
    Region("north", "ภาคเหนือ", "North"),
    Region("northeast", "ภาคตะวันออกเฉียงเหนือ", "Northeast"),
    Region("central", "ภาคกลาง", "Central"),
    Region("east", "ภาคตะวันออก", "East"),
    Region("west", "ภาคตะวันตก", "West"),
    Region("south", "ภาคใต้", "South"),
]
_BY_CODE = {region.code: region for region in REGIONS}
_PROVINCES = {
    "north": "50 51 52 53 54 55 56 57 58",
    "northeast": " ".join(str(code) for code in range(30, 50)),
    "central": "10 11 12 13 14 15 16 17 18 19 26 60 61 62 64 65 66 67 72 73 74 75",
    "east": "20 21 22 23 24 25 27",
    "west": "63 70 71 76 77",
    "south": "80 81 82 83 84 85 86 90 91 92 93 94 95 96",
}
PROVINCE_REGION = {
    province: _BY_CODE[region] for region, codes in _PROVINCES.items() for province in codes.split()
}


def region_of(province_code: str) -> Region | None:
    return PROVINCE_REGION.get(province_code)
