from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from bookings.enums import LaundryStep
from hub import money
from hub.enums import Frequency
from hub.models import Site
from marketplace.enums import PaymentMethod
from marketplace.models.fields import BILLING_ADDRESS_MAX_LENGTH
from services.enums import OfferingKind, Unit

# Home visits are paid by card when booked, or on their invoice (sent after the visit, on the hours done;
# monthly for a series): never « au retrait », there is nothing to collect.
HOME_SERVICE_PAYMENT_LABELS = {
    PaymentMethod.CARD: _("Carte bancaire, dès la réservation"),
    PaymentMethod.CHEQUE: _("Chèque, à réception de la facture"),
    PaymentMethod.CESU: _("CESU, à réception de la facture"),
    PaymentMethod.TRANSFER: _("Virement, à réception de la facture"),
    PaymentMethod.CASH: _("Espèces, à réception de la facture"),
    PaymentMethod.SEPA: _("Prélèvement, à réception de la facture"),
}

RECURRING_VISITS_NOT_BY_CARD = _(
    "Les visites régulières sont facturées chaque mois, sur les heures réalisées : choisissez un règlement à "
    "réception de la facture."
)

QUANTITY_LABELS = {
    Unit.KG: _("Poids estimé (kg)"),
    Unit.HOUR: _("Durée de l'intervention (heures)"),
    Unit.KM: _("Distance estimée (km)"),
}


class BookingForm(forms.Form):
    slot = forms.ChoiceField(label=_("Créneau"), widget=forms.RadioSelect)
    buyer = forms.ChoiceField(label=_("Réserver pour"), widget=forms.RadioSelect)
    quantity = forms.DecimalField(label=_("Quantité"), min_value=0, max_digits=10, decimal_places=3, initial=1)
    frequency = forms.ChoiceField(
        label=_("Fréquence"),
        required=False,
        widget=forms.RadioSelect,
        choices=[("", _("Une seule fois")), *Frequency.choices],
        initial="",
    )
    handover = forms.ChoiceField(
        label=_("Remise du linge de l'organisation"),
        required=False,
        widget=forms.RadioSelect,
        choices=[("address", _("Collecte et livraison")), ("point", _("Dépôt à un point de dépôt"))],
        initial="address",
    )
    pickup_point = forms.ModelChoiceField(
        label=_("Point de dépôt du linge"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("Choisissez un point de dépôt"),
    )
    address = forms.CharField(
        label=_("Adresse d'intervention"),
        required=False,
        max_length=BILLING_ADDRESS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )
    postcode = forms.RegexField(
        label=_("Code postal"),
        regex=r"^\d{5}$",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    note = forms.CharField(label=_("Précisions (créneau horaire souhaité, accès…)"), required=False, max_length=300)
    destination = forms.CharField(
        label=_("Adresse d'arrivée"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
    )
    billing_address = forms.CharField(
        label=_("Adresse de facturation"),
        required=False,
        max_length=BILLING_ADDRESS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )
    payment_method = forms.ChoiceField(label=_("Moyen de paiement"), widget=forms.RadioSelect)

    def __init__(self, *args, offering, slots, organisations, methods, collection_fee=None, timed=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.offering = offering
        self.collection_fee = collection_fee
        self.timed = timed
        self.fields["slot"].choices = [
            (
                slot.starts_at.isoformat(),
                f"{date_format(timezone.localtime(slot.starts_at), 'l j F, H:i')}–"
                f"{date_format(timezone.localtime(slot.ends_at), 'H:i')}",
            )
            for slot in slots
            if not slot.is_full
        ]
        self.fields["buyer"].choices = [("self", _("Moi-même"))] + [
            (str(org.pk), _("L'organisation « %(name)s »") % {"name": org.name}) for org in organisations
        ]
        self.fields["buyer"].initial = str(organisations[0].pk) if organisations else "self"
        if not organisations:
            self.fields["buyer"].widget = forms.HiddenInput()
        if timed:
            # A visit booked by its start time lasts the set duration: its hours come from the slot.
            self.fields["quantity"].widget = forms.HiddenInput()
            self.fields["quantity"].required = False
        elif offering.unit in QUANTITY_LABELS:
            self.fields["quantity"].label = QUANTITY_LABELS[offering.unit]
        else:
            self.fields["quantity"].widget = forms.HiddenInput()
        if offering.kind not in {OfferingKind.LAUNDRY, OfferingKind.HOME_SERVICE}:
            del self.fields["frequency"]
        if offering.kind == OfferingKind.LAUNDRY:
            self.fields["pickup_point"].queryset = Site.objects.pickup_points().order_by("name")
            self.fields["pickup_point"].required = not (organisations and collection_fee)
        else:
            del self.fields["pickup_point"]
        if organisations and collection_fee is not None:
            # An organisation's laundry is collected and delivered at its address, the fee on the same booking.
            self.fields["handover"].choices = [
                (
                    "address",
                    _("Collecte et livraison à l'adresse de l'organisation (+ %(fee)s)")
                    % {"fee": money.format_eur(collection_fee.price)},
                ),
                ("point", _("Je dépose le linge à un point de dépôt")),
            ]
            self.fields["pickup_point"].label = _("Point de dépôt du linge (si vous le déposez vous-même)")
        else:
            del self.fields["handover"]
        trip = offering.kind == OfferingKind.MOBILITY and offering.unit == Unit.KM
        if trip:
            # Solidarity transport: from one address to another, priced at the kilometres driven.
            self.fields["address"].label = _("Adresse de prise en charge")
            self.fields["destination"].required = True
            del self.fields["postcode"]
        elif offering.kind != OfferingKind.HOME_SERVICE:
            for name in ("address", "postcode", "note"):
                del self.fields[name]
        if not trip:
            del self.fields["destination"]
        if offering.kind == OfferingKind.HOME_SERVICE:
            self.fields["note"].label = _("Précisions pour l'équipe (accès, digicode, animaux…)")
            self.fields["payment_method"].label = _("Règlement")
            labels = HOME_SERVICE_PAYMENT_LABELS
        else:
            labels = {}
        self.fields["payment_method"].choices = [(m, labels.get(m, PaymentMethod(m).label)) for m in methods]
        if len(methods) == 1:
            self.fields["payment_method"].initial = methods[0]

    def clean(self):
        cleaned = super().clean()
        # A field already refused (too long) is not also reported missing.
        billing_address = (cleaned.get("billing_address") or "").strip()
        if cleaned.get("buyer") == "self" and not billing_address and not self.has_error("billing_address"):
            self.add_error("billing_address", _("Indiquez l'adresse à porter sur la facture."))
        if "address" in self.fields and not (cleaned.get("address") or "").strip() and not self.has_error("address"):
            self.add_error("address", _("Indiquez l'adresse d'intervention."))
        if "postcode" in self.fields and not cleaned.get("postcode"):
            self.add_error("postcode", _("Indiquez le code postal."))
        if (
            self.offering.kind == OfferingKind.HOME_SERVICE
            and cleaned.get("frequency")
            and cleaned.get("payment_method") == PaymentMethod.CARD
        ):
            # Regular visits are invoiced each month on the hours done: nothing to pay by card when booking.
            self.add_error("payment_method", RECURRING_VISITS_NOT_BY_CARD)
        dropped_off = "handover" in self.fields and not self.collect_at_address
        if dropped_off and not cleaned.get("pickup_point") and not self.has_error("pickup_point"):
            self.add_error("pickup_point", _("Choisissez un point de dépôt."))
        return cleaned

    @property
    def collect_at_address(self) -> bool:
        """An organisation's laundry collected and delivered at its address (not for oneself)."""
        data = getattr(self, "cleaned_data", {})
        return (
            "handover" in self.fields
            and data.get("buyer") not in (None, "self")
            and data.get("handover", "address") in ("", "address")
        )


class LaundryStepForm(forms.Form):
    step = forms.ChoiceField(choices=LaundryStep.choices)
    weight = forms.DecimalField(label=_("Poids (kg)"), min_value=0, max_digits=10, decimal_places=3, required=False)


class QuoteForm(forms.Form):
    heures = forms.DecimalField(
        label=_("Heures par intervention"), min_value=Decimal("0.5"), max_value=Decimal("8"), decimal_places=2
    )
    interventions = forms.IntegerField(label=_("Interventions par mois"), min_value=1, max_value=31)
