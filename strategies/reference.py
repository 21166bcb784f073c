"""The six strategies of the action plan (fiscal years B.E. 2562-2564), as DESIGN.md gives them."""

STRATEGIES = [
    (
        1,
        "ส่งเสริมสนับสนุนให้ประชาชนมีความรู้ ความเข้าใจ และได้รับบริการสิทธิขั้นพื้นฐานตามกฎหมายและหลักสิทธิมนุษยชน",
        "Promote public knowledge of, and access to, basic rights services under the law "
        "and human-rights principles",
    ),
    (
        2,
        "มาตรการในการลดความเสี่ยงต่อการกระทำความผิด",
        "Measures to reduce the risk of offending",
    ),
    (
        3,
        "พัฒนากลไกความร่วมมือให้ผู้ที่เข้าสู่กระบวนการยุติธรรมได้รับสิทธิขั้นพื้นฐานในด้านต่าง ๆ อย่างเหมาะสม",
        "Cooperation mechanisms so that people who enter the justice process receive their "
        "basic rights appropriately",
    ),
    (
        4,
        "มาตรการเพิ่มประสิทธิภาพในการคุ้มครองพยานในคดีอาญา",
        "More effective protection of witnesses in criminal cases",
    ),
    (
        5,
        "สนับสนุนให้การช่วยเหลือ เยียวยาในด้านต่าง ๆ แก่ผู้ได้รับผลกระทบจากการละเมิดสิทธิส่วนบุคคล",
        "Assistance and remedies for people affected by violations of their personal rights",
    ),
    (
        6,
        "พัฒนาความร่วมมือร่วมกัน ให้ประชาชนเข้าถึงบริการพื้นฐานของรัฐ",
        "Joint cooperation so that citizens can access basic state services",
    ),
]


def sync_strategies(apps) -> None:
    Strategy = apps.get_model("strategies", "Strategy")
    for number, name_th, name_en in STRATEGIES:
        Strategy.objects.get_or_create(
            number=number, defaults={"name_th": name_th, "name_en": name_en}
        )
