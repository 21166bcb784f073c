"""Help categories a citizen recognises, with the agency that leads each and its strategy.

Each entry: code, lead agency code, strategy number, restricted, Thai name, English name,
Thai description, English description. Descriptions are written for the citizen choosing.
"""

from datetime import timedelta

CATEGORIES = [
    (
        "legal-aid",
        "MOJ",
        1,
        False,
        "ปรึกษาและช่วยเหลือทางกฎหมาย",
        "Legal advice and legal aid",
        "ไม่แน่ใจเรื่องสิทธิตามกฎหมาย ถูกฟ้องร้อง หรือต้องการทนายความแต่ไม่มีเงินจ้าง "
        "เราช่วยให้คำปรึกษา ช่วยร่างเอกสาร และหาทนายความให้ได้",
        "You are unsure of your rights, are being sued, or need a lawyer you cannot pay for. "
        "We give advice, help with documents and can find you a lawyer.",
    ),
    (
        "crime-victim-compensation",
        "MOJ",
        5,
        False,
        "ค่าตอบแทนผู้เสียหายและค่าทดแทนจำเลยในคดีอาญา",
        "Compensation for crime victims and wrongly accused people",
        "คุณหรือคนในครอบครัวได้รับบาดเจ็บหรือเสียชีวิตจากการกระทำผิดอาญาของผู้อื่น "
        "หรือถูกดำเนินคดีแล้วศาลยกฟ้อง คุณอาจมีสิทธิได้รับค่าตอบแทนหรือค่าทดแทนจากรัฐ",
        "You or your family were hurt or lost someone through another person's crime, or you "
        "were prosecuted and acquitted: the state may owe you compensation.",
    ),
    (
        "witness-protection",
        "MOJ",
        4,
        True,
        "คุ้มครองพยาน",
        "Witness protection",
        "คุณเป็นพยานในคดีอาญาและกลัวว่าตนเองหรือครอบครัวจะไม่ปลอดภัย มีเพียงเจ้าหน้าที่ผู้รับผิดชอบเท่านั้นที่เห็นคำขอของคุณ",
        "You are a witness in a criminal case and fear for your safety or your family's. "
        "Only the officers handling your request will see it.",
    ),
    (
        "domestic-violence",
        "MSDHS",
        5,
        True,
        "ความรุนแรงในครอบครัว",
        "Domestic violence",
        "คุณหรือคนใกล้ชิดถูกคนในครอบครัวทำร้ายร่างกายหรือจิตใจ "
        "ต้องการที่พักที่ปลอดภัย คำปรึกษา หรือความคุ้มครอง หากอยู่ในอันตรายเร่งด่วน โทร 191",
        "You or someone close to you is hurt, physically or mentally, by a family member and "
        "needs a safe place, counselling or protection. In immediate danger, call 191.",
    ),
    (
        "human-trafficking",
        "MSDHS",
        5,
        True,
        "การค้ามนุษย์และการบังคับใช้แรงงาน",
        "Human trafficking and forced labour",
        "ถูกหลอกไปทำงาน ถูกยึดเอกสาร ถูกกักขัง หรือถูกบังคับให้ทำงานหรือค้าประเวณี "
        "เราช่วยให้ปลอดภัย ได้รับการดูแล และได้รับความเป็นธรรม",
        "You were deceived into work, had your papers taken, are held against your will or "
        "forced to work or sell sex. We help you get safe, cared for and justice.",
    ),
    (
        "loan-sharks-debt",
        "MOI",
        6,
        False,
        "หนี้นอกระบบและการทวงหนี้ไม่เป็นธรรม",
        "Loan sharks and unfair debt collection",
        "กู้เงินนอกระบบดอกเบี้ยสูงเกินกฎหมาย ถูกข่มขู่หรือทวงหนี้อย่างไม่เป็นธรรม "
        "เราช่วยไกล่เกลี่ย ตรวจสอบสัญญา และหาทางเข้าสู่สินเชื่อในระบบ",
        "You borrowed from an informal lender at illegal interest, or are threatened or "
        "harassed over a debt. We mediate, check the contract and help you to fair credit.",
    ),
    (
        "unpaid-wages",
        "MOL",
        6,
        False,
        "ค่าจ้างค้างจ่ายและสิทธิแรงงาน",
        "Unpaid wages and labour rights",
        "นายจ้างไม่จ่ายค่าจ้าง ค่าล่วงเวลา หรือค่าชดเชย เลิกจ้างไม่เป็นธรรม หรือไม่ได้รับสิทธิประกันสังคม",
        "Your employer has not paid your wages, overtime or severance, dismissed you unfairly, "
        "or denied you social security.",
    ),
    (
        "finding-work",
        "MOL",
        6,
        False,
        "หางานและฝึกอาชีพ",
        "Finding work and job training",
        "ต้องการหางานทำ ฝึกทักษะอาชีพ หรือเริ่มต้นใหม่หลังพ้นโทษ",
        "You want a job, training for a trade, or a fresh start after serving a sentence.",
    ),
    (
        "school-access",
        "MOE",
        6,
        False,
        "การเข้าเรียนและเด็กออกกลางคัน",
        "School access and dropping out",
        "เด็กไม่มีที่เรียน ไม่มีเอกสารจึงเข้าเรียนไม่ได้ เสี่ยงออกกลางคัน หรือผู้ใหญ่ที่ต้องการเรียนต่อนอกระบบ",
        "A child has no school place, cannot enrol without papers, or is about to drop out; "
        "or an adult wants to go back to learning.",
    ),
    (
        "healthcare-access",
        "MOPH",
        6,
        False,
        "สิทธิการรักษาพยาบาล",
        "Access to healthcare",
        "ไม่ได้รับการรักษา ไม่รู้สิทธิบัตรทอง หรือมีปัญหาค่ารักษาพยาบาล",
        "You were refused treatment, do not know your health coverage, or cannot pay for care.",
    ),
    (
        "drug-treatment",
        "MOPH",
        2,
        False,
        "บำบัดรักษาผู้ติดยาเสพติด",
        "Drug treatment",
        "คุณหรือคนในครอบครัวต้องการเลิกยาเสพติด และต้องการสถานบำบัดหรือการดูแลต่อเนื่อง "
        "การขอรับการบำบัดด้วยความสมัครใจไม่ใช่การแจ้งความ",
        "You or a family member want to stop using drugs and need treatment or follow-up care. "
        "Asking for treatment voluntarily is not reporting a crime.",
    ),
    (
        "civil-registration",
        "MOI",
        6,
        False,
        "ทะเบียนราษฎร์ บัตรประชาชน และสถานะบุคคล",
        "Civil registration, ID cards and legal status",
        "ไม่มีบัตรประชาชนหรือสูติบัตร ไม่มีชื่อในทะเบียนบ้าน หรือมีปัญหาสถานะบุคคลและสัญชาติ",
        "You have no ID card or birth certificate, are not on a house register, or have a "
        "problem with your legal status or nationality.",
    ),
    (
        "elderly-disabled-welfare",
        "MSDHS",
        6,
        False,
        "สวัสดิการผู้สูงอายุและคนพิการ",
        "Welfare for older people and people with disabilities",
        "ผู้สูงอายุหรือคนพิการที่ไม่ได้รับเบี้ยยังชีพ ไม่มีผู้ดูแล ต้องการอุปกรณ์ หรือต้องการจดทะเบียนคนพิการ",
        "An older or disabled person without their allowance or a carer, who needs equipment, "
        "or who wants to register a disability.",
    ),
    (
        "online-fraud",
        "MDES",
        5,
        False,
        "ภัยออนไลน์และการหลอกลวงทางออนไลน์",
        "Online fraud and scams",
        "ถูกหลอกโอนเงิน ถูกแฮ็กบัญชี ถูกแอบอ้างตัวตน หรือถูกกลั่นแกล้งทางออนไลน์ "
        "หากเพิ่งโอนเงิน ให้แจ้งธนาคารเพื่ออายัดบัญชีทันที",
        "You were tricked into sending money, your account was taken over, someone is "
        "impersonating you, or you are harassed online. If you just paid, call your bank now.",
    ),
    (
        "official-complaint",
        "MOJ",
        3,
        False,
        "ร้องเรียนการปฏิบัติหน้าที่ของเจ้าหน้าที่รัฐ",
        "Complaints about public officials",
        "เจ้าหน้าที่รัฐปฏิบัติต่อคุณไม่เป็นธรรม ล่าช้า เรียกรับเงิน หรือละเมิดสิทธิของคุณ",
        "A public official treated you unfairly, delayed without reason, asked for money or "
        "violated your rights.",
    ),
    (
        "after-prison",
        "MOJ",
        2,
        False,
        "การกลับคืนสู่สังคมหลังพ้นโทษ",
        "Life after prison",
        "คุณหรือคนในครอบครัวเพิ่งพ้นโทษหรืออยู่ระหว่างคุมประพฤติ ต้องการที่พัก งาน หรือความช่วยเหลือเพื่อเริ่มต้นชีวิตใหม่",
        "You or a family member have just left prison or are on probation and need housing, "
        "work or support to start again.",
    ),
    (
        "other",
        "MOJ",
        6,
        False,
        "เรื่องอื่น ๆ หรือไม่แน่ใจว่าเป็นเรื่องประเภทใด",
        "Something else, or not sure",
        "เล่าปัญหาของคุณได้เลย เจ้าหน้าที่จะพิจารณาและส่งต่อไปยังหน่วยงานที่ช่วยได้",
        "Tell us your problem in your own words; an officer will pass it to the agency "
        "that can help.",
    ),
]


# The plain groups the public form opens one at a time: code, Thai name, English name, and
# the kinds of help in each. A kind in no group ("other") is shown on its own after them.
CATEGORY_GROUPS = [
    (
        "safety",
        "ความปลอดภัย ความรุนแรง และการถูกหลอกลวง",
        "Safety, violence and scams",
        ["domestic-violence", "human-trafficking", "witness-protection", "online-fraud"],
    ),
    (
        "justice",
        "กฎหมาย คดีความ และเจ้าหน้าที่รัฐ",
        "The law, court cases and officials",
        ["legal-aid", "crime-victim-compensation", "official-complaint", "after-prison"],
    ),
    (
        "work-money",
        "งาน ค่าจ้าง และหนี้สิน",
        "Work, wages and debt",
        ["unpaid-wages", "finding-work", "loan-sharks-debt"],
    ),
    (
        "papers-health-welfare",
        "บัตรประชาชน สุขภาพ การศึกษา และสวัสดิการ",
        "ID papers, health, school and welfare",
        [
            "civil-registration",
            "healthcare-access",
            "drug-treatment",
            "school-access",
            "elderly-disabled-welfare",
        ],
    ),
]

# Requests of these kinds hold sensitive personal data under PDPA section 26 (health,
# disability, criminal records or matters): the citizen gives explicit consent.
SENSITIVE_CATEGORIES = frozenset(
    {
        "crime-victim-compensation",
        "witness-protection",
        "domestic-violence",
        "human-trafficking",
        "healthcare-access",
        "drug-treatment",
        "elderly-disabled-welfare",
        "after-prison",
    }
)


def sync_categories(apps) -> None:
    Category = apps.get_model("referrals", "Category")
    Agency = apps.get_model("agencies", "Agency")
    Strategy = apps.get_model("strategies", "Strategy")
    agencies = {a.code: a for a in Agency.objects.all()}
    strategies = {s.number: s for s in Strategy.objects.all()}
    # Migrations older than a field call this too, with the model as it was then.
    fields = {f.name for f in Category._meta.get_fields()}
    group_of = sync_category_groups(apps) if "group" in fields else {}
    for order, row in enumerate(CATEGORIES, start=1):
        code, agency, strategy, restricted, name_th, name_en, description_th, description_en = row
        Category.objects.get_or_create(
            code=code,
            defaults={
                "lead_agency": agencies[agency],
                "strategy": strategies[strategy],
                "is_restricted": restricted,
                **(
                    {"is_sensitive": code in SENSITIVE_CATEGORIES}
                    if "is_sensitive" in fields
                    else {}
                ),
                **({"group": group_of.get(code)} if "group" in fields else {}),
                "name_th": name_th,
                "name_en": name_en,
                "description_th": description_th,
                "description_en": description_en,
                "sort_order": order,
            },
        )


def sync_category_groups(apps) -> dict:
    """The groups of CATEGORY_GROUPS (kept if edited); returns each kind's group by its code."""
    CategoryGroup = apps.get_model("referrals", "CategoryGroup")
    group_of = {}
    for order, (code, name_th, name_en, kinds) in enumerate(CATEGORY_GROUPS, start=1):
        group, _created = CategoryGroup.objects.get_or_create(
            code=code, defaults={"name_th": name_th, "name_en": name_en, "sort_order": order}
        )
        group_of.update(dict.fromkeys(kinds, group))
    return group_of


# Default SLA times in business time (DESIGN.md, section 4): one working day is 8 hours
# (08:30-16:30). Urgent cases get a quarter of the time. Reminders at 75 %, escalation to
# the supervisors at 100 % and to the agency's CCEO at 150 %.
WORKING_DAY = timedelta(hours=8)
DEFAULT_SLA = {
    "normal": {
        "acknowledge": 1 * WORKING_DAY,
        "answer_referral": 2 * WORKING_DAY,
        "resolve": 15 * WORKING_DAY,
        "complete_referral": 15 * WORKING_DAY,
    },
    "urgent": {
        "acknowledge": WORKING_DAY / 4,
        "answer_referral": 2 * WORKING_DAY / 4,
        "resolve": 15 * WORKING_DAY / 4,
        "complete_referral": 15 * WORKING_DAY / 4,
    },
}


def sync_default_sla_policies(apps) -> None:
    """The policy for every category without its own, per priority (kept if edited)."""
    SlaPolicy = apps.get_model("referrals", "SlaPolicy")
    # A migration older than one of the times makes the policy with the times it knows.
    known = {field.name for field in SlaPolicy._meta.get_fields()}
    for priority, times in DEFAULT_SLA.items():
        defaults = {name: value for name, value in times.items() if name in known}
        SlaPolicy.objects.get_or_create(category=None, priority=priority, defaults=defaults)
