from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from agencies.thai_dates import ThaiDateField
from strategies.fiscal import quarter_days
from strategies.models import Activity, Project


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "strategy",
            "code",
            "name_th",
            "name_en",
            "lead_agency",
            "participating_agencies",
            "first_fiscal_year",
            "last_fiscal_year",
            "budget",
            "status",
            "description",
        ]
        widgets = {"participating_agencies": forms.CheckboxSelectMultiple}

    def __init__(self, *args, lead_agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_agency"].queryset = Agency.objects.filter(pk__in=lead_agencies)
        self.fields["participating_agencies"].queryset = Agency.objects.filter(is_active=True)
        self.fields["lead_agency"].empty_label = None


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = [
            "name_th",
            "name_en",
            "responsible_agency",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "progress",
            "note",
        ]
        # Dates as day, Thai month and B.E. year, not the browser's mm/dd/yyyy.
        field_classes = dict.fromkeys(
            ["planned_start", "planned_end", "actual_start", "actual_end"], ThaiDateField
        )
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    # What the plan sets: only the project's lead agency changes it; the agency responsible
    # records what happens (actual dates, progress, a note).
    PLANNED = ("name_th", "name_en", "responsible_agency", "planned_start", "planned_end")

    def __init__(self, *args, may_reassign: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_agency"].queryset = Agency.objects.filter(is_active=True)
        for name in self.PLANNED:
            self.fields[name].disabled = not may_reassign


class IndicatorValueForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(label=_("Fiscal year (B.E.)"), coerce=int)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        choices=[
            (1, _("Quarter 1 (October to December)")),
            (2, _("Quarter 2 (January to March)")),
            (3, _("Quarter 3 (April to June)")),
            (4, _("Quarter 4 (July to September)")),
        ],
    )
    value = forms.DecimalField(label=_("Value"), min_value=0, max_digits=14, decimal_places=2)
    evidence = forms.CharField(
        label=_("Evidence"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_("What the value rests on: the report, list or record, and where it is kept."),
    )
    evidence_url = forms.URLField(
        label=_("Link to the evidence"), required=False, assume_scheme="https"
    )

    def __init__(self, *args, years, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["fiscal_year"].choices = [(year, str(year)) for year in years]

    def clean(self):
        cleaned = super().clean()
        year, quarter = cleaned.get("fiscal_year"), cleaned.get("quarter")
        if year and quarter and quarter_days(year, quarter)[0] > self.today:
            self.add_error("quarter", _("This quarter has not begun yet."))
        return cleaned
