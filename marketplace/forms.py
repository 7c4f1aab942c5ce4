import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounting.forms import DATE_ERRORS, DATE_FORMATS, DescribedErrorsMixin
from accounting.purchase_forms import AMOUNT_ERRORS
from hub.models import Site
from marketplace.enums import DunningPauseReason, InvoicePaymentMethod, PaymentMethod
from marketplace.models.fields import BILLING_ADDRESS_MAX_LENGTH, BILLING_NAME_MAX_LENGTH


class CheckoutForm(forms.Form):
    buyer = forms.ChoiceField(label=_("Commander pour"), widget=forms.RadioSelect)
    billing_name = forms.CharField(label=_("Nom et prénom"), max_length=BILLING_NAME_MAX_LENGTH, required=False)
    billing_address = forms.CharField(
        label=_("Adresse de facturation"),
        max_length=BILLING_ADDRESS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    pickup_point = forms.ModelChoiceField(
        label=_("Point de retrait"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("Choisissez un point de retrait"),
    )
    payment_method = forms.ChoiceField(label=_("Moyen de paiement"), widget=forms.RadioSelect)
    purchase_order_number = forms.CharField(
        label=_("N° de bon de commande (facultatif)"), max_length=50, required=False
    )
    accept_terms = forms.BooleanField(
        label=_("J'ai lu et j'accepte les conditions générales de vente"),
        required=True,
        error_messages={"required": _("Acceptez les conditions générales de vente pour commander.")},
    )

    def __init__(self, *args, organisations, methods, needs_pickup_point, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buyer"].choices = [("self", _("Moi-même (particulier)"))] + [
            (str(org.pk), _("L'organisation « %(name)s » (facturée)") % {"name": org.name}) for org in organisations
        ]
        self.fields["buyer"].initial = "self"
        self.fields["payment_method"].choices = [(m, PaymentMethod(m).label) for m in methods]
        self.fields["payment_method"].error_messages["required"] = _("Choisissez un moyen de paiement.")
        if len(methods) == 1:
            self.fields["payment_method"].initial = methods[0]
        if needs_pickup_point:
            self.fields["pickup_point"].queryset = Site.objects.pickup_points().order_by("name")
            self.fields["pickup_point"].required = True
            self.fields["pickup_point"].widget = forms.RadioSelect()
            self.fields["pickup_point"].error_messages["required"] = _("Choisissez un point de retrait.")
        else:
            del self.fields["pickup_point"]
        if not organisations:
            self.fields["buyer"].widget = forms.HiddenInput()
            del self.fields["purchase_order_number"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("buyer") == "self" and not (cleaned.get("billing_name") or "").strip():
            self.add_error("billing_name", _("Indiquez le nom à porter sur la facture."))
        return cleaned


class OfflinePaymentForm(forms.Form):
    structure = forms.IntegerField(widget=forms.HiddenInput)
    method = forms.ChoiceField(
        label=_("Moyen"),
        choices=[
            (PaymentMethod.CASH, PaymentMethod.CASH.label),
            (PaymentMethod.CHEQUE, PaymentMethod.CHEQUE.label),
            (PaymentMethod.TRANSFER, PaymentMethod.TRANSFER.label),
            (PaymentMethod.CESU, PaymentMethod.CESU.label),
            (PaymentMethod.APA_PCH, PaymentMethod.APA_PCH.label),
        ],
    )
    amount = forms.DecimalField(label=_("Montant (€)"), max_digits=12, decimal_places=2, min_value=0)
    cheque_number = forms.CharField(label=_("N° de chèque"), max_length=20, required=False)
    cheque_bank = forms.CharField(label=_("Banque"), max_length=60, required=False)
    cheque_drawer = forms.CharField(label=_("Tireur"), max_length=100, required=False)


class DunningPauseForm(forms.Form):
    """Stop reminders until a date, for a reason (the invoice or customer comes from the address)."""

    reason = forms.ChoiceField(label=_("Motif"), choices=DunningPauseReason.choices)
    until = forms.DateField(
        label=_("Jusqu'au"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Date invalide : saisissez-la au format JJ/MM/AAAA.")},
    )
    note = forms.CharField(label=_("Précision"), max_length=200, required=False)

    def clean_until(self):
        until = self.cleaned_data["until"]
        today = timezone.localdate()
        if until < today:
            raise forms.ValidationError(_("La suspension court jusqu'à aujourd'hui au moins."))
        if until > today + datetime.timedelta(days=366 * 2):
            raise forms.ValidationError(_("Une suspension dure deux ans au plus."))
        return until


class InvoicePaymentForm(DescribedErrorsMixin, forms.Form):
    """A transfer or cheque received for an invoice without an order (the action checks what remains due)."""

    received_on = forms.DateField(
        label=_("Reçu le"),
        input_formats=DATE_FORMATS,
        error_messages={**DATE_ERRORS, "required": _("Saisissez une date.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    amount = forms.DecimalField(
        label=_("Montant"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages=AMOUNT_ERRORS,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        localize=True,
    )
    method = forms.ChoiceField(
        label=_("Moyen de paiement"),
        choices=InvoicePaymentMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Moyen de paiement inconnu."), "required": _("Choisissez un moyen.")},
    )
    reference = forms.CharField(
        label=_("Référence"),
        help_text=_("Le n° du chèque, ou le libellé du virement sur le relevé."),
        max_length=50,
        required=False,
    )

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        today = timezone.localdate()
        if not datetime.date(2000, 1, 1) <= value <= today:
            raise forms.ValidationError(
                _("Date hors limites : entre le 01/01/2000 et le %(end)s.") % {"end": today.strftime("%d/%m/%Y")}
            )
        return value

    def clean(self):
        data = super().clean()
        if data.get("method") == InvoicePaymentMethod.CHEQUE and not (data.get("reference") or "").strip():
            self.add_error("reference", _("Indiquez le numéro du chèque."))
        return data


class InvoicePaymentCancelForm(DescribedErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'annulation"),
        max_length=200,
        error_messages={"required": _("Indiquez pourquoi ce règlement est annulé.")},
    )
