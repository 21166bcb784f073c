"""The demo agencies' ready-made replies: a few every agency keeps, and some for the kinds
of help each one leads or is asked to help with, written by the agency's demo
administrator through the services.

Idempotent: a reply is found by its agency and title, and one an administrator has changed
since is kept as it is.
"""

from django.contrib.auth import get_user_model

from agencies.models import Agency
from referrals.models import Category, ReplyKind, ReplyTemplate
from referrals.services import create_reply_template

NOTE, QUESTION, OUTCOME = ReplyKind.PUBLIC_NOTE, ReplyKind.REQUEST_INFORMATION, ReplyKind.OUTCOME

# (kind, kind of help or None for any, title, text)
EVERY_AGENCY = [
    (
        NOTE,
        None,
        "ได้รับเรื่องแล้ว กำลังตรวจสอบ",
        "{agency}ได้รับเรื่อง {reference} แล้ว เจ้าหน้าที่กำลังตรวจสอบข้อมูล "
        "และจะแจ้งความคืบหน้าให้ทราบในหน้านี้ "
        "ถ้ามีข้อมูลหรือเอกสารเพิ่มเติม ส่งมาได้ที่หน้าติดตามเรื่อง",
    ),
    (
        QUESTION,
        None,
        "ขอเบอร์โทรที่ติดต่อได้",
        "เจ้าหน้าที่โทรหาคุณ{citizen_name} ตามเบอร์ที่ให้ไว้แล้วแต่ติดต่อไม่ได้ "
        "ขอเบอร์โทรที่ติดต่อได้ในเวลาราชการ และช่วงเวลาที่สะดวกให้โทรกลับ",
    ),
    (
        OUTCOME,
        None,
        "ให้คำแนะนำทางโทรศัพท์แล้ว",
        "เจ้าหน้าที่ของ{agency}โทรคุยกับคุณ{citizen_name} และแนะนำขั้นตอนที่ต้องทำต่อแล้ว "
        "ถ้ายังแก้ปัญหาไม่ได้ ขอเปิดเรื่อง {reference} อีกครั้งได้ที่หน้าติดตามเรื่อง",
    ),
]

BY_AGENCY = {
    "MOJ": [
        (
            QUESTION,
            "legal-aid",
            "ขอสำเนาเอกสารคดี",
            "เพื่อให้ทนายความอาสาช่วยดูเรื่องของคุณได้ ขอรูปถ่ายหรือสำเนาเอกสารที่ได้รับ "
            "เช่น หมายศาล คำฟ้อง หรือหนังสือจากตำรวจ ส่งเป็นรูปถ่ายได้ที่หน้าติดตามเรื่อง",
        ),
        (
            OUTCOME,
            "legal-aid",
            "นัดปรึกษาทนายความอาสา",
            "{agency}นัดให้คุณ{citizen_name}ปรึกษาทนายความอาสาแล้ว "
            "เจ้าหน้าที่จะโทรแจ้งวัน เวลา และสถานที่ โปรดนำบัตรประชาชนและเอกสารคดีมาด้วย",
        ),
    ],
    "MDES": [
        (
            QUESTION,
            "online-fraud",
            "ขอหลักฐานการโอนเงินและลิงก์",
            "ขอหลักฐานเพิ่มเติมเพื่อแจ้งระงับบัญชีและส่งให้ตำรวจ: สลิปการโอนเงิน "
            "ชื่อบัญชีและธนาคารของผู้รับเงิน และลิงก์หรือภาพหน้าจอของเพจหรือแชตที่หลอกลวง",
        ),
        (
            OUTCOME,
            "online-fraud",
            "ส่งข้อมูลให้ตำรวจไซเบอร์แล้ว",
            "{agency}ส่งข้อมูลเรื่อง {reference} ให้ตำรวจสืบสวนสอบสวนอาชญากรรมทางเทคโนโลยีแล้ว "
            "และแจ้งปิดเพจที่หลอกลวงแล้ว ถ้ายังไม่ได้แจ้งความ แจ้งได้ที่สถานีตำรวจใกล้บ้าน",
        ),
    ],
    "MSDHS": [
        (
            QUESTION,
            "elderly-disabled-welfare",
            "ขอสำเนาบัตรประจำตัวคนพิการ",
            "เพื่อยื่นขอเบี้ยความพิการให้ ขอรูปถ่ายบัตรประจำตัวคนพิการ และหน้าสมุดบัญชีธนาคารที่จะให้โอนเงินเข้า",
        ),
        (
            OUTCOME,
            "elderly-disabled-welfare",
            "ลงทะเบียนรับเบี้ยแล้ว",
            "คุณ{citizen_name}ลงทะเบียนรับเบี้ยเรียบร้อยแล้ว "
            "เงินจะโอนเข้าบัญชีที่ให้ไว้ภายในวันที่ 10 ของทุกเดือน เริ่มเดือนถัดไป",
        ),
    ],
    "MOI": [
        (
            QUESTION,
            "civil-registration",
            "ขอสำเนาทะเบียนบ้าน",
            "ขอรูปถ่ายทะเบียนบ้านหน้าที่มีชื่อของคุณ และสูติบัตรหรือเอกสารที่แสดงว่าเกิดในไทย "
            "(ถ้ามี) เพื่อให้สำนักทะเบียนตรวจสอบสถานะ",
        ),
        (
            OUTCOME,
            "loan-sharks-debt",
            "ไกล่เกลี่ยหนี้แล้ว",
            "{agency}เชิญเจ้าหนี้และคุณ{citizen_name}มาไกล่เกลี่ยแล้ว "
            "ตกลงผ่อนชำระตามบันทึกข้อตกลง และเจ้าหนี้จะหยุดทวงหนี้ด้วยวิธีที่ผิดกฎหมาย "
            "ถ้ายังถูกข่มขู่ แจ้งขอเปิดเรื่องอีกครั้งได้",
        ),
    ],
    "MOL": [
        (
            QUESTION,
            "unpaid-wages",
            "ขอหลักฐานการจ้างงาน",
            "เพื่อช่วยติดตามค่าจ้างที่ค้างจ่าย ขอข้อมูลต่อไปนี้\n"
            "1. ชื่อและที่อยู่ของนายจ้างหรือสถานประกอบการ\n"
            "2. สลิปเงินเดือนหรือหลักฐานการโอนค่าจ้างครั้งล่าสุด\n"
            "3. สัญญาจ้าง (ถ้ามี)\n"
            "ส่งเป็นรูปถ่ายได้ที่หน้าติดตามเรื่อง {reference}",
        ),
        (
            OUTCOME,
            "unpaid-wages",
            "นายจ้างจ่ายค่าจ้างที่ค้างแล้ว",
            "พนักงานตรวจแรงงานของ{agency}ออกคำสั่งให้นายจ้างจ่ายค่าจ้างที่ค้าง "
            "นายจ้างจ่ายครบแล้ว ถ้ายังได้ไม่ครบ แจ้งขอเปิดเรื่องอีกครั้งได้",
        ),
        (
            NOTE,
            "finding-work",
            "นัดพบเจ้าหน้าที่จัดหางาน",
            "เจ้าหน้าที่จัดหางานจะโทรหาคุณ{citizen_name}ภายใน 3 วันทำการ "
            "เพื่อนัดคุยเรื่องงานที่ตรงกับความสามารถ และคอร์สฝึกอาชีพที่เรียนได้ฟรี",
        ),
    ],
    "MOE": [
        (
            QUESTION,
            "school-access",
            "ขอชื่อโรงเรียนและชั้นเรียน",
            "ขอชื่อโรงเรียนที่เด็กเคยเรียน ชั้นเรียนล่าสุด และอำเภอที่อยู่ตอนนี้ "
            "เพื่อหาโรงเรียนหรือการศึกษานอกระบบที่เด็กเข้าเรียนต่อได้",
        ),
        (
            OUTCOME,
            "school-access",
            "ประสานให้กลับเข้าเรียนแล้ว",
            "{agency}ประสานโรงเรียนในพื้นที่แล้ว เด็กกลับเข้าเรียนได้ตั้งแต่ภาคเรียนนี้ "
            "โรงเรียนช่วยค่าเครื่องแบบและอุปกรณ์การเรียนตามสิทธิเรียนฟรี 15 ปี",
        ),
    ],
    "MOPH": [
        (
            QUESTION,
            "healthcare-access",
            "ขอโรงพยาบาลที่ไปรักษา",
            "ขอชื่อโรงพยาบาลที่ไปรักษา วันที่ไป และใบเสร็จหรือใบแจ้งค่าใช้จ่าย (ถ้ามี) "
            "เพื่อตรวจสอบว่าค่ารักษาอยู่ในสิทธิบัตรทองหรือไม่",
        ),
        (
            OUTCOME,
            None,
            "ตรวจสอบสิทธิการรักษาแล้ว",
            "{agency}ตรวจสอบสิทธิการรักษาของคุณ{citizen_name}แล้ว "
            "ใช้สิทธิบัตรทองที่โรงพยาบาลใกล้บ้านได้โดยไม่เสียค่าใช้จ่าย "
            "ถ้าถูกเรียกเก็บเงิน โทรสายด่วน 1330",
        ),
    ],
    "RTP": [
        (
            OUTCOME,
            None,
            "รับแจ้งความแล้ว",
            "สถานีตำรวจในพื้นที่รับแจ้งความเรื่องนี้ไว้แล้ว "
            "พนักงานสอบสวนจะโทรนัดคุณ{citizen_name}ให้ไปให้ปากคำ "
            "ถ้ามีเหตุร้ายเร่งด่วน โทร 191",
        ),
    ],
}


def create_demo_replies() -> int:
    """Write the replies each agency's demo administrator (``<code>-admin``) keeps; return
    how many replies there are in all."""
    admins = {
        user.username: user for user in get_user_model().objects.filter(username__endswith="-admin")
    }
    categories = {category.code: category for category in Category.objects.all()}
    for agency in Agency.objects.all():
        admin = admins.get(f"{agency.code.lower()}-admin")
        if admin is None:
            continue
        kept = set(agency.reply_templates.values_list("title", flat=True))
        for kind, category, title, body in EVERY_AGENCY + BY_AGENCY.get(agency.code, []):
            if title in kept:
                continue
            create_reply_template(
                agency,
                admin,
                kind=kind,
                title=title,
                body=body,
                category=categories[category] if category else None,
            )
    return ReplyTemplate.objects.count()
