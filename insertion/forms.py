"""Forms of the insertion pages: typed input read and bounded here, the rules themselves in `actions`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hub.params import MAX_DATE, MIN_DATE
from insertion.enums import EXIT_CATEGORY_OF, ExitCategory, ExitReason
from insertion.models import EXIT_NOTE_MAX_LENGTH


def _reason_choices() -> list:
    """Reasons grouped by category, in the order of the categories (the select's optgroups)."""
    groups = [
        (
            category.label,
            [(reason.value, reason.label) for reason in ExitReason if EXIT_CATEGORY_OF[reason] == category],
        )
        for category in ExitCategory
    ]
    return [("", _("— choisir —")), *groups]


class ExitForm(forms.Form):
    """The exit of a worker, on one of their contracts awaiting it (chosen among `contracts`)."""

    contract = forms.ModelChoiceField(
        label=_("Contrat"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": _("Choisissez un contrat de la liste.")},
    )
    date = forms.DateField(
        label=_("Date de sortie"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Indiquez une date réelle (jj/mm/aaaa).")},
    )
    reason = forms.ChoiceField(
        label=_("Motif de sortie"),
        choices=_reason_choices,
        error_messages={"invalid_choice": _("Choisissez un motif de sortie de la liste.")},
    )
    note = forms.CharField(
        label=_("Précision"),
        required=False,
        max_length=EXIT_NOTE_MAX_LENGTH,
        help_text=_("Employeur, formation suivie… (facultatif, 200 caractères au plus)."),
        error_messages={"max_length": _("La précision compte %(limit_value)d caractères au plus.")},
    )

    def __init__(self, *args, contracts, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contracts
        self.fields["contract"].label_from_instance = str

    def clean_date(self):
        date = self.cleaned_data["date"]
        if not MIN_DATE <= date <= MAX_DATE:
            raise forms.ValidationError(_("Indiquez une date réelle (jj/mm/aaaa)."))
        return date
