"""Forms of the purchases and of the chart of accounts: bounded fields, French errors."""

import datetime
from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounting.actions.purchases import MAX_LINES, attachment_type
from accounting.enums import PURCHASE_VAT_RATES, SupplierPaymentMethod
from accounting.exceptions import PurchaseError
from accounting.forms import DATE_ERRORS, DATE_FORMATS, DescribedErrorsMixin
from accounting.models import SUPPLIER_CODE_RE
from hub.validators import validate_iban, validate_siren

EARLIEST = datetime.date(2000, 1, 1)
AMOUNT_ERRORS = {
    "invalid": _("Saisissez un montant, par exemple 12,50."),
    "max_digits": _("Montant trop grand."),
    "max_decimal_places": _("Un montant se saisit au centime près."),
    "max_whole_digits": _("Montant trop grand."),
    "min_value": _("Le montant doit être positif."),
    "required": _("Saisissez un montant."),
}


def _date_field(label, **kwargs):
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        error_messages={**DATE_ERRORS, "required": _("Saisissez une date.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


def _check_range(value: datetime.date | None, *, latest: datetime.date) -> datetime.date | None:
    if value is not None and not EARLIEST <= value <= latest:
        raise forms.ValidationError(
            _("Date hors limites : entre le %(start)s et le %(end)s.")
            % {"start": EARLIEST.strftime("%d/%m/%Y"), "end": latest.strftime("%d/%m/%Y")}
        )
    return value


def _money_field(label, **kwargs):
    return forms.DecimalField(
        label=label,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages=AMOUNT_ERRORS,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        localize=True,
        **kwargs,
    )


class SupplierForm(DescribedErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=150)
    siren = forms.CharField(label=_("SIREN (facultatif)"), max_length=9, required=False, validators=[validate_siren])
    iban = forms.CharField(label=_("IBAN (facultatif)"), max_length=42, required=False)
    auxiliary_code = forms.CharField(
        label=_("Compte auxiliaire (facultatif)"),
        max_length=17,
        required=False,
        help_text=_("Laissé vide : F0001, F0002…"),
        validators=[RegexValidator(SUPPLIER_CODE_RE, _("De 1 à 17 lettres majuscules ou chiffres."))],
    )

    def clean_iban(self):
        iban = self.cleaned_data["iban"].replace(" ", "").upper()
        if iban:
            if len(iban) > 34:
                raise forms.ValidationError(_("Un IBAN compte au plus 34 caractères."))
            validate_iban(iban)
        return iban


class SupplierInvoiceForm(DescribedErrorsMixin, forms.Form):
    supplier = forms.ModelChoiceField(
        label=_("Fournisseur"),
        queryset=None,
        empty_label="—",
        error_messages={"invalid_choice": _("Fournisseur inconnu."), "required": _("Choisissez le fournisseur.")},
    )
    number = forms.CharField(label=_("N° de la facture du fournisseur"), max_length=50)
    date = _date_field(_("Date de la facture"))
    due_date = _date_field(_("Échéance"))
    attachment = forms.FileField(
        label=_("Pièce jointe (PDF, PNG ou JPEG, 5 Mo au plus)"),
        required=False,
        max_length=200,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )

    def __init__(self, *args, suppliers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers

    def clean_date(self):
        return _check_range(self.cleaned_data.get("date"), latest=timezone.localdate())

    def clean_due_date(self):
        return _check_range(self.cleaned_data.get("due_date"), latest=timezone.localdate().replace(year=2100))

    def clean_attachment(self):
        file = self.cleaned_data.get("attachment")
        if file:
            try:
                attachment_type(file)
            except PurchaseError as error:
                raise forms.ValidationError(str(error)) from error
        return file

    def clean(self):
        cleaned = super().clean()
        date, due_date = cleaned.get("date"), cleaned.get("due_date")
        if date and due_date and due_date < date:
            self.add_error("due_date", _("L'échéance ne peut précéder la date de la facture."))
        return cleaned


VAT_CHOICES = [(rate, f"{Decimal(rate).normalize():f}".replace(".", ",") + "\u00a0%") for rate in PURCHASE_VAT_RATES]


class SupplierInvoiceLineForm(forms.Form):
    account = forms.ChoiceField(label=_("Compte"), error_messages={"invalid_choice": _("Compte inconnu.")})
    label = forms.CharField(label=_("Libellé"), max_length=200, required=False)
    amount_excl = _money_field(_("Montant HT"), required=False)
    vat_rate = forms.TypedChoiceField(
        label=_("TVA"),
        choices=VAT_CHOICES,
        coerce=Decimal,
        initial="20.00",
        error_messages={"invalid_choice": _("Taux de TVA inconnu.")},
    )
    vat_deductible = forms.BooleanField(label=_("TVA déductible"), required=False, initial=True)

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("", "—")] + [(code, f"{code} {label}") for code, label in accounts]
        self.fields["account"].required = False

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("account") or cleaned.get("amount_excl"):
            if not cleaned.get("account"):
                self.add_error("account", _("Choisissez le compte de la ligne."))
            if not cleaned.get("amount_excl") and "amount_excl" not in self.errors:
                self.add_error("amount_excl", _("Saisissez le montant HT de la ligne."))
            if not (cleaned.get("label") or "").strip():
                self.add_error("label", _("Saisissez le libellé de la ligne."))
        return cleaned

    @property
    def is_filled(self) -> bool:
        return bool(self.cleaned_data.get("account"))


SupplierInvoiceLineFormSet = forms.formset_factory(
    SupplierInvoiceLineForm, extra=3, max_num=MAX_LINES, validate_max=True, absolute_max=MAX_LINES
)


class SupplierPaymentForm(DescribedErrorsMixin, forms.Form):
    date = _date_field(_("Date du règlement"))
    amount = _money_field(_("Montant"))
    method = forms.ChoiceField(
        label=_("Moyen de paiement"),
        choices=SupplierPaymentMethod.choices,
        error_messages={"invalid_choice": _("Moyen de paiement inconnu.")},
    )
    reference = forms.CharField(label=_("Référence (n° de chèque, de virement)"), max_length=50, required=False)

    def clean_date(self):
        return _check_range(self.cleaned_data.get("date"), latest=timezone.localdate())


class AccountAddForm(DescribedErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("Numéro du sous-compte"),
        max_length=10,
        help_text=_("4 à 10 chiffres, sous un compte existant (ex. 606310 sous 6063)."),
        validators=[RegexValidator(r"^[1-8][0-9]{3,9}$", _("De 4 à 10 chiffres, classes 1 à 8."))],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    label = forms.CharField(label=_("Libellé"), max_length=150)


class AccountRenameForm(DescribedErrorsMixin, forms.Form):
    label = forms.CharField(label=_("Libellé"), max_length=150)
