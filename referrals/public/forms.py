"""Forms of the citizens' pages. They check what a person typed; the services check the
rest (the same checks as for a request recorded by staff)."""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.collation import in_name_order
from agencies.models import District, Province, Subdistrict
from referrals.identity import THAI_DIGITS
from referrals.models import EqualAccessAnswers, SafeChannel
from referrals.notifications import is_mobile
from referrals.selectors import category_cards, province_choices
from referrals.services.intake import MAX_DESCRIPTION, MAX_SAFE_HOURS, MAX_SAFE_WORD
from referrals.services.recovery import contact_of
from referrals.widgets import CountedTextarea

TEXT = CountedTextarea(attrs={"rows": 4})
SCORES = [(str(n), str(n)) for n in range(1, 6)]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the services check each by its content."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


def _narrowing(url_name: str, target: str) -> dict:
    """htmx attributes: on change, fetch the narrower places into ``target``."""
    return {"hx-get": reverse(url_name), "hx-target": f"#id_{target}", "hx-trigger": "change"}


def place_code(value) -> str:
    """A place code as typed, or "" (ASCII digits only: "²".isdigit() is true)."""
    value = str(value or "")
    return value if re.fullmatch(r"[0-9]{1,10}", value) else ""


class PlaceChoices:
    """Province, district and subdistrict that narrow each other, with or without
    JavaScript: the district and subdistrict choices follow what was submitted, so a
    browser without JavaScript reloads the form ("Show districts") and htmx swaps the
    options in place otherwise. Choice lists are plain (value, name) pairs so that the
    empty form costs no query."""

    def narrow_places(self):
        self.fields["province"].widget.attrs.update(_narrowing("public:places", "district"))
        self.fields["district"].widget.attrs.update(_narrowing("public:places", "subdistrict"))
        province = place_code(self.data.get("province") or self.initial.get("province"))
        district = place_code(self.data.get("district") or self.initial.get("district"))
        if province:
            self.fields["district"].choices = [
                ("", "---------"),
                *(
                    (str(d.pk), d.name)
                    for d in in_name_order(District.objects.filter(province_id=province))
                ),
            ]
        if district:
            self.fields["subdistrict"].choices = [
                ("", "---------"),
                *(
                    (str(s.pk), s.name)
                    for s in in_name_order(Subdistrict.objects.filter(district_id=district))
                ),
            ]

    def clean_province(self):
        province = Province.objects.filter(pk=place_code(self.cleaned_data["province"])).first()
        if province is None:
            raise ValidationError(_("Choose a province."))
        return province

    def clean_district(self):
        value = place_code(self.cleaned_data.get("district"))
        return District.objects.filter(pk=value).first() if value else None

    def clean_subdistrict(self):
        value = place_code(self.cleaned_data.get("subdistrict"))
        return Subdistrict.objects.filter(pk=value).first() if value else None


class SafeContactFields(forms.Form):
    """How to reach a person at risk safely, asked of the citizen and by intake officers
    alike; ``create_case`` decides when the way is required."""

    in_danger_now = forms.BooleanField(label=_("I am in danger now"), required=False)
    safe_channel = forms.ChoiceField(
        label=_("The safe way to contact you"),
        required=False,
        choices=[("", "---------"), *SafeChannel.choices],
    )
    safe_hours = forms.CharField(
        label=_("When it is safe to contact you (optional)"),
        required=False,
        max_length=MAX_SAFE_HOURS,
        help_text=_("Such as: weekdays 9:00–12:00"),
    )
    no_message = forms.BooleanField(
        label=_("Do not leave a message (voicemail or with another person)"), required=False
    )
    safe_word = forms.CharField(
        label=_("Safe word (optional)"),
        required=False,
        max_length=MAX_SAFE_WORD,
        help_text=_(
            "A word an officer says when they contact you, so that you know it is really us. "
            "Only the officers handling your request see it."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def _question(name: str, help_text) -> forms.ChoiceField:
    """An optional question on who reaches the portal, worded as the model names it, with
    its answers; its first choice skips it."""
    field = EqualAccessAnswers._meta.get_field(name)
    return forms.ChoiceField(
        label=field.verbose_name,
        required=False,
        choices=[("", _("Skip this question")), *field.choices],
        help_text=help_text,
    )


class EqualAccessFields(forms.Form):
    """The optional questions on who reaches the portal, asked of the citizen and by intake
    officers alike, each with why it is asked; ``services.equal_access`` keeps an answer
    only with its consent."""

    EQUAL_ACCESS_FIELDS = (
        "equal_access_consent",
        "age_band",
        "sex",
        "nationality",
        "language",
        "disability_consent",
        "disability",
    )

    equal_access_consent = forms.BooleanField(
        label=_(
            "I agree that the portal keeps my answers below on my age, sex, nationality and "
            "language, to count who reaches it."
        ),
        help_text=_("Without this tick, these answers are not kept."),
        required=False,
    )
    age_band = _question(
        "age_band", _("Young and older people may find it harder to reach the state's services.")
    )
    sex = _question("sex", _("To see whether women, men and other people are served alike."))
    nationality = _question(
        "nationality",
        _(
            "Stateless people and people of other nationalities have rights to basic "
            "services too: this shows whether they can reach them."
        ),
    )
    language = _question(
        "language", _("The language you are most at ease in: which languages we should offer.")
    )
    disability_consent = forms.BooleanField(
        label=_(
            "I give my explicit consent for the portal to keep my answer on disability, to "
            "count who reaches it."
        ),
        help_text=_(
            "The law counts disability as sensitive data, so it needs a consent of its own. "
            "Without this tick, the answer is not kept."
        ),
        required=False,
    )
    disability = _question(
        "disability", _("To see whether people with disabilities can use the portal.")
    )

    def equal_access_fields(self) -> list:
        return [self[name] for name in self.EQUAL_ACCESS_FIELDS]

    def equal_access_open(self) -> bool:
        """Whether the questions show unfolded: the form came back with answers in them."""
        return self.is_bound and any(
            self[name].value() or self[name].errors for name in self.EQUAL_ACCESS_FIELDS
        )


class ChannelFields(forms.Form):
    """The channels the citizen hears of their request on (none: the tracking page alone),
    chosen on the request form, by an intake officer, and again on the tracking page."""

    notify_email = forms.BooleanField(
        label=_("Email"),
        required=False,
        initial=True,
        help_text=_("To the address above, if you give one."),
    )
    notify_sms = forms.BooleanField(label=_("SMS to my mobile phone"), required=False)
    notify_line = forms.BooleanField(
        label=_("LINE"),
        required=False,
        help_text=_("Once your request is sent, we show you how to link your LINE account."),
    )


class PublicRequestForm(PlaceChoices, SafeContactFields, ChannelFields, EqualAccessFields):
    category = forms.ChoiceField(
        label=_("What do you need help with?"),
        widget=forms.RadioSelect,
        choices=lambda: [(str(card["pk"]), card["name"]) for card in category_cards()],
        error_messages={"required": _("Choose the kind of help you need.")},
    )
    description = forms.CharField(
        label=_("Tell us what happened and what help you need"),
        widget=CountedTextarea(attrs={"rows": 6}),
        max_length=MAX_DESCRIPTION,
        error_messages={"required": _("Describe the problem in a few words.")},
    )
    province = forms.ChoiceField(
        label=_("Province"),
        choices=lambda: [("", "---------"), *province_choices()],
        error_messages={"required": _("Choose a province.")},
    )
    district = forms.ChoiceField(
        label=_("District (optional)"), required=False, choices=[("", "---------")]
    )
    subdistrict = forms.ChoiceField(
        label=_("Subdistrict (optional)"), required=False, choices=[("", "---------")]
    )
    citizen_name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Enter your name.")},
    )
    citizen_phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        help_text=_("We call you on this number if we need to. Example: 081 234 5678"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"required": _("Enter a phone number we can reach you on.")},
    )
    citizen_email = forms.CharField(
        label=_("Email (optional)"),
        required=False,
        max_length=254,
        help_text=_(
            "We send it a link to confirm that it is yours, then the news of your request. "
            "Your secret is never sent by email."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    national_id = forms.CharField(
        label=_("Thai national ID number (optional)"),
        required=False,
        max_length=20,
        help_text=_("13 digits. It helps the agencies find your earlier requests and records."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    files = MultipleFileField(
        label=_("Photos or documents (optional)"),
        help_text=_("Up to 5 files: JPEG or PNG photos, or PDF, each at most %(mb)s MB."),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
    sensitive_consent = forms.BooleanField(
        label=_(
            "I give my explicit consent for the agencies to use the information about my "
            "health, disability or criminal matters in this request to help me."
        ),
        required=False,
    )
    # Hidden from people by the style sheet; robots fill it in.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    # The summary at the top says what to do in one line; the full message stays by the box.
    short_errors = {
        "sensitive_consent": _("Tick the consent box in part 4, or call 1111 instead."),
    }

    def __init__(self, *args, max_mb: int = 10, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = self.fields["files"].help_text % {"mb": max_mb}
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.narrow_places()

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website"))


def masked_phone(phone: str) -> str:
    """Enough of a number to recognise it, not to read it off a shared screen."""
    return f"{phone[:3]}-xxx-{phone[-4:]}" if len(phone) >= 8 else "xxx"


def masked_email(email: str) -> str:
    name, _at, domain = email.partition("@")
    return f"{name[:1]}•••@{domain}"


class ChannelsForm(ChannelFields):
    """The tracking page's choice of channels and language, drawn for its case: each
    channel says where it goes, and one that cannot reach the person is shown but cannot
    be ticked (the service refuses it all the same)."""

    language = forms.ChoiceField(label=_("Language of our messages"), choices=settings.LANGUAGES)
    needs_case = True

    def __init__(self, *args, case, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "notify_email": case.notify_email and bool(case.citizen_email),
                "notify_sms": case.notify_sms and is_mobile(case.citizen_phone),
                "notify_line": case.notify_line,
                "language": case.language,
            },
        )
        super().__init__(*args, **kwargs)
        email, sms = self.fields["notify_email"], self.fields["notify_sms"]
        if not case.citizen_email:
            email.disabled = True
            email.help_text = _("You gave no email address with this request.")
        elif case.citizen_email_confirmed_at is None:
            email.help_text = _(
                "To %(address)s, once you confirm the address with the link we send it."
            ) % {"address": masked_email(case.citizen_email)}
        else:
            email.help_text = _("To %(address)s") % {"address": masked_email(case.citizen_email)}
        sms.label = _("SMS")
        if is_mobile(case.citizen_phone):
            sms.help_text = _("To %(number)s") % {"number": masked_phone(case.citizen_phone)}
        else:
            sms.disabled = True
            sms.help_text = _(
                "SMS reach only a mobile number, and the number given with this request is not one."
            )
        self.fields["notify_line"].help_text = _("To the LINE accounts linked to this request.")


class TrackForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference code"),
        max_length=30,
        help_text=_("Such as RP-2569-7KQ3XD"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        error_messages={"required": _("Enter the reference code.")},
    )
    secret = forms.CharField(
        label=_("Verification secret"),
        max_length=30,
        help_text=_("The 8 characters given with the code, such as ABCD-2345"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        error_messages={"required": _("Enter the verification secret.")},
    )


class ForgotSecretForm(forms.Form):
    """The request's reference and the phone number or email address given with it."""

    reference = TrackForm.base_fields["reference"]
    contact = forms.CharField(
        label=_("Mobile phone number or email address"),
        max_length=254,
        help_text=_("The one you gave with your request: the code is sent there."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Enter the mobile phone number or the email address.")},
    )

    def clean_contact(self):
        value = self.cleaned_data["contact"]
        if contact_of(value) is None:
            raise ValidationError(
                _("Enter a mobile phone number such as 081 234 5678, or an email address."),
                code="contact",
            )
        return value


class SecretCodeForm(forms.Form):
    """The one-time code sent for a lost secret."""

    reference = TrackForm.base_fields["reference"]
    code = forms.CharField(
        label=_("The code of 6 digits"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("Enter the code you received.")},
    )

    def clean_code(self):
        digits = re.sub(r"[\s-]", "", self.cleaned_data["code"].translate(THAI_DIGITS))
        if not re.fullmatch(r"[0-9]{6}", digits):
            raise ValidationError(_("The code has 6 digits."), code="code")
        return digits


class InformationForm(forms.Form):
    text = forms.CharField(
        label=_("Information for the agency"), widget=TEXT, required=False, max_length=5000
    )
    files = MultipleFileField(
        label=_("Photos or documents (optional)"),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (optional)"), widget=TEXT, required=False, max_length=2000
    )
    confirm = forms.BooleanField(
        label=_("I no longer need help with this request."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class RatingForm(forms.Form):
    usefulness = forms.ChoiceField(
        label=_("How useful was the help?"), choices=SCORES, widget=forms.RadioSelect
    )
    clarity = forms.ChoiceField(
        label=_("How clearly were things explained to you?"),
        choices=SCORES,
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label=_("Overall, how satisfied are you?"), choices=SCORES, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), widget=TEXT, required=False, max_length=5000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("usefulness", "clarity", "satisfaction"):
            self.fields[name].error_messages["required"] = _("Choose a score from 1 to 5.")


class ConfirmCloseForm(forms.Form):
    pass


class EmailLinkForm(forms.Form):
    """Send the link that confirms the email address again (nothing to fill in)."""


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("What is still not solved?"), widget=TEXT, max_length=5000)


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (optional)"), widget=TEXT, required=False, max_length=2000
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that the agencies will no longer have my name, contact details, "
            "description or files for this request, and that it cannot be reopened."
        ),
        error_messages={"required": _("Tick the box to confirm.")},
    )
