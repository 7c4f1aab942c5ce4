"""The filters of the accountant's pages: a period (du/au), a journal, an account, a fiscal year."""

import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounting.enums import CutOffKind, JournalCode

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_ERRORS = {"invalid": _("Date invalide : saisissez-la au format JJ/MM/AAAA.")}


class DescribedErrorsMixin:
    """Ties each field's error message (rendered with id "<field id>-error") to its input."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"{self[name].auto_id}-error"


class PeriodForm(DescribedErrorsMixin, forms.Form):
    du = forms.DateField(
        label=_("Du"),
        required=False,
        input_formats=DATE_FORMATS,
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    au = forms.DateField(
        label=_("Au"),
        required=False,
        input_formats=DATE_FORMATS,
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data, *, default_start: datetime.date, default_end: datetime.date, **kwargs):
        # Unbound fields fall back to the current fiscal year.
        data = data.copy()
        if not data.get("du"):
            data["du"] = default_start.isoformat()
        if not data.get("au"):
            data["au"] = default_end.isoformat()
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("du"), cleaned.get("au")
        if start and end and start > end:
            raise forms.ValidationError(_("La date de début doit précéder la date de fin."), code="period")
        return cleaned


class JournalPeriodForm(PeriodForm):
    journal = forms.ChoiceField(
        label=_("Journal"),
        required=False,
        choices=[("", _("Tous les journaux")), *JournalCode.choices],
        error_messages={"invalid_choice": _("Journal inconnu.")},
    )


class LedgerForm(PeriodForm):
    compte = forms.ChoiceField(label=_("Compte"), error_messages={"invalid_choice": _("Compte inconnu.")})

    def __init__(self, data, *, accounts, **kwargs):
        self.accounts = {account.code: account for account in accounts}
        super().__init__(data, **kwargs)
        self.fields["compte"].choices = [(code, str(account)) for code, account in self.accounts.items()]

    def clean_compte(self):
        return self.accounts[self.cleaned_data["compte"]]


class FiscalYearForm(DescribedErrorsMixin, forms.Form):
    exercice = forms.TypedChoiceField(
        label=_("Exercice"), coerce=int, error_messages={"invalid_choice": _("Exercice inconnu.")}
    )

    def __init__(self, data, *, fiscal_years, default, **kwargs):
        self.years = {year.start_date.year: year for year in fiscal_years}
        data = data.copy()
        if not data.get("exercice") and default is not None:
            data["exercice"] = str(default.start_date.year)
        super().__init__(data, **kwargs)
        self.fields["exercice"].choices = [(key, year.name) for key, year in self.years.items()]

    def clean_exercice(self):
        return self.years[self.cleaned_data["exercice"]]


class ManualEntryForm(forms.Form):
    """The head of a manual entry (OD): date, piece and label; its lines come in a formset."""

    date = forms.DateField(label=_("Date de l'écriture"), input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    piece_ref = forms.CharField(label=_("Référence de la pièce"), max_length=30)
    label = forms.CharField(label=_("Libellé"), max_length=200)


class ManualEntryLineForm(forms.Form):
    account = forms.ChoiceField(label=_("Compte"))
    label = forms.CharField(label=_("Libellé de la ligne"), max_length=200, required=False)
    debit = forms.DecimalField(label=_("Débit"), max_digits=12, decimal_places=2, min_value=0, required=False)
    credit = forms.DecimalField(label=_("Crédit"), max_digits=12, decimal_places=2, min_value=0, required=False)

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("", "—")] + [(code, f"{code} {label}") for code, label in accounts]

    def clean(self):
        cleaned = super().clean()
        debit, credit = cleaned.get("debit") or 0, cleaned.get("credit") or 0
        if cleaned.get("account") and bool(debit) == bool(credit):
            raise forms.ValidationError(_("Chaque ligne porte soit un débit, soit un crédit."))
        return cleaned


ManualEntryLineFormSet = forms.formset_factory(ManualEntryLineForm, extra=4, max_num=30, min_num=2, validate_min=False)


# --- The accountant's year: cut-offs, locks, reasons, closing -----------------------------------


class CutOffForm(DescribedErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Nature"), error_messages={"invalid_choice": _("Nature inconnue.")})
    account = forms.ChoiceField(
        label=_("Compte de charge ou de produit"), error_messages={"invalid_choice": _("Compte inconnu.")}
    )
    amount = forms.DecimalField(
        label=_("Montant (€)"),
        min_value=Decimal("0.01"),
        max_value=Decimal("9999999999.99"),
        max_digits=12,
        decimal_places=2,
        error_messages={"invalid": _("Montant invalide."), "min_value": _("Le montant est positif.")},
    )
    label = forms.CharField(label=_("Libellé"), max_length=150)

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = CutOffKind.choices
        self.fields["account"].choices = [(code, f"{code} {label}") for code, label in accounts]


class LockForm(DescribedErrorsMixin, forms.Form):
    until = forms.DateField(
        label=_("Verrouiller jusqu'au (inclus)"),
        input_formats=DATE_FORMATS,
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=_("Motif (obligatoire pour reculer le verrou)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_until(self):
        until = self.cleaned_data["until"]
        if not datetime.date(1900, 1, 1) <= until <= datetime.date(9999, 12, 31):
            raise forms.ValidationError(_("Date hors limites."))
        return until


class ReasonForm(DescribedErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("Motif"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class CloseYearForm(DescribedErrorsMixin, forms.Form):
    reviewed = forms.BooleanField(
        label=_(
            "J'ai passé en revue les écritures d'inventaire (factures à établir, produits et charges constatés d'avance, factures non parvenues)."
        ),
        error_messages={"required": _("Confirmez avoir passé en revue les écritures d'inventaire.")},
    )
