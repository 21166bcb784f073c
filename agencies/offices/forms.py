"""The form an agency's administrator keeps an office with."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.collation import in_name_order
from agencies.models import Office, Province


class OfficeForm(forms.ModelForm):
    """How to reach the office, whether it works, and the other provinces it serves."""

    serves = forms.ModelMultipleChoiceField(
        queryset=Province.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Also serves"),
        help_text=_(
            "Other provinces whose new cases and referrals come to this office: those where "
            "your agency has no office of its own (an office seated in a province comes first)."
        ),
        error_messages={"invalid_choice": _("Choose provinces from the list.")},
    )

    class Meta:
        model = Office
        fields = ["phone", "email", "address", "is_active", "serves"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Its own province is its seat, not one it also serves.
        self.fields["serves"].queryset = in_name_order(
            Province.objects.exclude(pk=self.instance.province_id)
        )
        self.fields["is_active"].help_text = _(
            "An office that does not work any more receives nothing new: its provinces go to "
            "your central office (or to a regional office that serves them)."
        )
