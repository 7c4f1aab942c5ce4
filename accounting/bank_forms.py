"""The forms of the « Banque » pages: a bank account, a statement file to import, a match by hand."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounting.bank_formats import MAX_FILE_BYTES
from accounting.forms import DescribedErrorsMixin
from accounting.models import BankAccount, iban_is_valid, normalize_iban


class BankAccountForm(DescribedErrorsMixin, forms.Form):
    label = forms.CharField(label=_("Libellé"), max_length=100)
    iban = forms.CharField(label=_("IBAN"), max_length=42)
    bic = forms.CharField(label=_("BIC"), max_length=11, required=False)

    def clean_iban(self):
        iban = normalize_iban(self.cleaned_data["iban"])
        if not iban_is_valid(iban):
            raise forms.ValidationError(_("IBAN invalide : la clé de contrôle ne correspond pas."))
        return iban

    def clean_bic(self):
        bic = self.cleaned_data["bic"].replace(" ", "").upper()
        if bic and (len(bic) not in (8, 11) or not bic.isalnum()):
            raise forms.ValidationError(_("Un BIC compte 8 ou 11 lettres et chiffres."))
        return bic


class StatementImportForm(DescribedErrorsMixin, forms.Form):
    bank_account = forms.ModelChoiceField(
        label=_("Compte bancaire"), queryset=BankAccount.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=_("Relevé (CAMT.053 ou OFX)"),
        max_length=200,
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,.ofx,.qfx,.053,application/xml,text/xml"}),
    )

    def __init__(self, *args, structure, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank_account"].queryset = BankAccount.objects.filter(structure=structure).order_by("label")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("Fichier trop volumineux : %(size)s Mo au plus.") % {"size": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload


class MatchForm(forms.Form):
    entry_lines = forms.TypedMultipleChoiceField(label=_("Lignes d'écriture"), coerce=int, choices=())

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry_lines"].choices = [(line.pk, str(line.pk)) for line in candidates]
        self.fields["entry_lines"].error_messages["required"] = _("Cochez au moins une ligne d'écriture.")


class BankEntryForm(forms.Form):
    label = forms.CharField(label=_("Libellé de l'écriture"), max_length=200)
