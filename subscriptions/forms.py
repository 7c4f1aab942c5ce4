from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.formatting import euros
from hub.models import Site
from marketplace.enums import PaymentMethod
from subscriptions.enums import SEASON_PAYMENT_METHODS, PrepaidCreditChoice, SubscriptionPaymentMode
from subscriptions.models import SubscriptionPlan


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, plan: SubscriptionPlan) -> str:
        return _("%(name)s (%(size)s) — %(frequency)s, le %(weekday)s — %(price)s par livraison") % {
            "name": plan.offering.name,
            "size": plan.size_label,
            "frequency": plan.get_frequency_display().lower(),
            "weekday": plan.get_weekday_display(),
            "price": euros(plan.price_per_delivery),
        }


class SubscribeForm(forms.Form):
    plan = PlanChoiceField(label=_("Formule"), queryset=SubscriptionPlan.objects.none(), widget=forms.RadioSelect)
    pickup_point = forms.ModelChoiceField(
        label=_("Point de retrait"), queryset=Site.objects.none(), empty_label=_("Choisissez un point de retrait")
    )
    start_date = forms.DateField(
        label=_("À partir du"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    payment_mode = forms.ChoiceField(
        label=_("Paiement"),
        # Paying each basket at the pickup point is set up by a social worker (prescribers), not here.
        choices=[c for c in SubscriptionPaymentMode.choices if c[0] != SubscriptionPaymentMode.AT_PICKUP],
        widget=forms.RadioSelect,
    )

    season_payment_method = forms.ChoiceField(
        label=_("Saison payée d'avance : réglée par"),
        choices=[(method, PaymentMethod(method).label) for method in SEASON_PAYMENT_METHODS],
        initial=PaymentMethod.CARD,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
        self.fields["pickup_point"].queryset = Site.objects.pickup_points().order_by("name")
        self.fields["start_date"].initial = timezone.localdate()
        self.fields["payment_mode"].initial = SubscriptionPaymentMode.CARD


class PrepaidChoiceForm(forms.Form):
    """What becomes of prepaid baskets skipped or cancelled: paid back, or kept for the next season."""

    prepaid_choice = forms.ChoiceField(
        label=_("Paniers payés d'avance non livrés"), choices=PrepaidCreditChoice.choices, required=False
    )

    def choice(self, default: str) -> str:
        return (self.cleaned_data.get("prepaid_choice") if self.is_valid() else "") or default


class PickupPointForm(forms.Form):
    pickup_point = forms.ModelChoiceField(
        label=_("Nouveau point de retrait"),
        queryset=Site.objects.none(),
        empty_label=_("Choisissez un point de retrait"),
    )

    def __init__(self, *args, current: Site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pickup_point"].queryset = Site.objects.pickup_points().exclude(pk=current.pk).order_by("name")


class SizeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, plan: SubscriptionPlan) -> str:
        return _("%(size)s — %(name)s, %(price)s par panier") % {
            "size": plan.size_label,
            "name": plan.offering.name,
            "price": euros(plan.price_per_delivery),
        }


class SizeChangeForm(forms.Form):
    """The basket size to switch to, among the subscription's other sizes (`other_sizes`)."""

    plan = SizeChoiceField(
        label=_("Nouvelle taille de panier"), queryset=SubscriptionPlan.objects.none(), widget=forms.RadioSelect
    )

    def __init__(self, *args, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans


class PauseForm(forms.Form):
    until = forms.DateField(
        label=_("En pause jusqu'au (inclus)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class PickListForm(forms.Form):
    pickup_point = forms.ModelChoiceField(label=_("Point de retrait"), queryset=Site.objects.none(), empty_label=None)
    day = forms.DateField(label=_("Distribution du"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pickup_point"].queryset = Site.objects.pickup_points().order_by("name")
