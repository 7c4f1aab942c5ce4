from django import forms
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from hub.models import Site
from subscriptions.enums import SubscriptionPaymentMode
from subscriptions.models import SubscriptionPlan


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, plan: SubscriptionPlan) -> str:
        return _("%(name)s (%(size)s) — %(frequency)s, le %(weekday)s — %(price)s € par livraison") % {
            "name": plan.offering.name,
            "size": plan.size_label,
            "frequency": plan.get_frequency_display().lower(),
            "weekday": plan.get_weekday_display(),
            "price": number_format(plan.price_per_delivery, 2),
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
        choices=SubscriptionPaymentMode.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
        self.fields["pickup_point"].queryset = Site.objects.pickup_points().order_by("name")
        self.fields["start_date"].initial = timezone.localdate()
        self.fields["payment_mode"].initial = SubscriptionPaymentMode.CARD


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
