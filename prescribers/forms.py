"""The social worker's form to open a support. Every field is bounded; the action checks the rest."""

from dateutil.relativedelta import relativedelta
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub import money
from hub.models import Organisation
from prescribers.enums import FUNDABLE_KINDS, SupportGround
from prescribers.models import NOTE_MAX_LENGTH
from services.enums import OfferingKind

REQUIRED = {"required": _("Ce champ est obligatoire.")}
MAX_LENGTH = {"max_length": _("%(limit_value)d caractères au plus (vous en avez saisi %(show_value)d).")}
DATE_ERRORS = {**REQUIRED, "invalid": _("Saisissez une date valide (jj/mm/aaaa).")}
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class OpenSupportForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        error_messages={**REQUIRED, "invalid_choice": _("Choisissez une de vos organisations.")},
    )
    email = forms.EmailField(
        label=_("Adresse e-mail de la personne"),
        max_length=254,
        error_messages={**REQUIRED, **MAX_LENGTH, "invalid": _("Adresse e-mail invalide.")},
        help_text=_("Si la personne n'a pas de compte, elle en reçoit un par e-mail pour choisir son mot de passe."),
    )
    first_name = forms.CharField(
        label=_("Prénom"), max_length=150, required=False, error_messages=MAX_LENGTH,
        help_text=_("Seulement si la personne n'a pas encore de compte."),
    )  # fmt: skip
    last_name = forms.CharField(
        label=_("Nom"), max_length=150, required=False, error_messages=MAX_LENGTH,
        help_text=_("Seulement si la personne n'a pas encore de compte."),
    )  # fmt: skip
    ground = forms.ChoiceField(
        label=_("Motif"),
        choices=SupportGround.choices,
        error_messages={**REQUIRED, "invalid_choice": _("Choisissez un motif dans la liste.")},
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        error_messages=MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("200 caractères au plus. Aucun détail de santé ni de situation familiale."),
    )
    starts_on = forms.DateField(label=_("Début"), input_formats=DATE_FORMATS, error_messages=DATE_ERRORS,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))  # fmt: skip
    ends_on = forms.DateField(label=_("Fin"), input_formats=DATE_FORMATS, error_messages=DATE_ERRORS,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              help_text=_("Douze mois au plus après le début."))  # fmt: skip
    grant_tier = forms.BooleanField(label=_("Accorder le tarif solidaire pendant l'accompagnement"), required=False)
    consent_in_writing = forms.BooleanField(
        label=_("Accord recueilli par écrit"),
        required=False,
        help_text=_("Sinon, l'accompagnement attend que la personne donne son accord dans son compte."),
    )

    def __init__(self, *args, organisations, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {"starts_on": today, "ends_on": today + relativedelta(months=6)})
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if len(organisations) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations[0].pk


def parse_search(value: str) -> str:
    """The list's search: 100 characters at most, no NUL byte (ignored otherwise)."""
    value = (value or "").strip()[:100]
    return "" if "\x00" in value else value


MONEY_ERRORS = {
    **REQUIRED,
    "invalid": _("Saisissez un montant en euros."),
    "max_digits": _("Montant trop grand."),
    "max_decimal_places": _("Deux décimales au plus."),
    "max_whole_digits": _("Montant trop grand."),
    "min_value": _("Le montant ne peut pas être négatif."),
    "max_value": _("Montant trop grand."),
}


class FundingForm(forms.Form):
    share_percent = forms.IntegerField(
        label=_("Part prise en charge (%)"), min_value=1, max_value=100, initial=50,
        error_messages={**REQUIRED, "invalid": _("Saisissez un nombre entier."),
                        "min_value": _("Entre 1 et 100 %%."), "max_value": _("Entre 1 et 100 %%.")},
    )  # fmt: skip
    monthly_cap = forms.DecimalField(
        label=_("Plafond par mois (€)"), required=False, min_value=0, max_value=10000, max_digits=7,
        decimal_places=2, error_messages=MONEY_ERRORS,
        help_text=_("Facultatif : au plus ce montant par mois pour cette personne (100 % et un plafond : un montant par mois)."),
    )  # fmt: skip
    kinds = forms.MultipleChoiceField(
        label=_("Activités prises en charge"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={**REQUIRED, "invalid_choice": _("Choisissez des activités de la liste.")},
    )
    ends_on = forms.DateField(label=_("Jusqu'au"), input_formats=DATE_FORMATS, error_messages=DATE_ERRORS,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))  # fmt: skip

    def __init__(self, *args, support, **kwargs):
        kwargs.setdefault("initial", {"ends_on": support.ends_on, "kinds": ["basket"]})
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = [(kind, OfferingKind(kind).label) for kind in FUNDABLE_KINDS]


class BudgetForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Budget de l'année (€)"), min_value=0, max_value=10_000_000, max_digits=10, decimal_places=2,
        error_messages=MONEY_ERRORS,
    )  # fmt: skip


class SubscribeForPersonForm(forms.Form):
    plan = forms.ModelChoiceField(
        label=_("Formule"), queryset=None, empty_label=None,
        error_messages={**REQUIRED, "invalid_choice": _("Choisissez une formule de la liste.")},
    )  # fmt: skip
    pickup_point = forms.ModelChoiceField(
        label=_("Point de retrait"), queryset=None, empty_label=_("Choisissez un point de retrait"),
        error_messages={**REQUIRED, "invalid_choice": _("Choisissez un point de retrait de la liste.")},
    )  # fmt: skip
    start_date = forms.DateField(label=_("À partir du"), input_formats=DATE_FORMATS, error_messages=DATE_ERRORS,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))  # fmt: skip

    def __init__(self, *args, plans, pickup_points, **kwargs):
        kwargs.setdefault("initial", {"start_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
        self.fields["plan"].label_from_instance = lambda plan: _("%(plan)s — %(price)s le panier") % {
            "plan": plan, "price": money.format_eur(plan.offering.price),
        }  # fmt: skip
        self.fields["pickup_point"].queryset = pickup_points
