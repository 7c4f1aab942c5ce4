"""The registration of a client for the immediate advance (« Inscrire un client »): the identity as on the
client's tax notice, their address and the bank account the URSSAF debits, and the client's account on
the platform, found by e-mail. Every field is bounded and checked before anything is sent to the URSSAF."""

import datetime
import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.validators import validate_iban
from sap.enums import Civility

FRANCE = "99100"
MIN_BIRTH_DATE = datetime.date(1900, 1, 1)
MIN_AGE = 16
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
INSEE_COMMUNE = r"[0-9][0-9AB][0-9]{3}"
REQUIRED = {"required": _("Ce champ est obligatoire.")}


def _text(label, max_length: int, *, required: bool = True, help_text: str = "", **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        error_messages={
            **REQUIRED,
            "max_length": _("%(limit_value)d caractères au plus (vous en avez saisi %(show_value)d)."),
        },
        **kwargs,
    )


def _latest_birth_date() -> datetime.date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year - MIN_AGE)
    except ValueError:  # 29 February
        return today.replace(year=today.year - MIN_AGE, day=28)


class EnrolClientForm(forms.Form):
    customer_email = forms.EmailField(
        label=_("Adresse e-mail du compte du client sur le site"),
        max_length=254,
        error_messages={**REQUIRED, "invalid": _("Adresse e-mail invalide.")},
        help_text=_("Le client doit déjà avoir un compte d'habitant·e."),
    )
    civility = forms.ChoiceField(
        label=_("Civilité"),
        choices=Civility.choices,
        widget=forms.RadioSelect,
        error_messages={**REQUIRED, "invalid_choice": _("Choisissez Madame ou Monsieur.")},
    )
    birth_name = _text(_("Nom de naissance"), 80)
    usage_name = _text(_("Nom d'usage"), 80, required=False)
    first_names = _text(_("Prénoms"), 80, help_text=_("Tous les prénoms, dans l'ordre de l'état civil."))
    birth_date = forms.DateField(
        label=_("Date de naissance"),
        input_formats=DATE_FORMATS,
        error_messages={**REQUIRED, "invalid": _("Date invalide : saisissez-la au format JJ/MM/AAAA.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    birth_country_code = _text(
        _("Pays de naissance (code INSEE)"), 5, initial=FRANCE, help_text=_("99100 pour la France.")
    )
    birth_department = _text(
        _("Département de naissance"),
        3,
        required=False,
        help_text=_("Obligatoire pour une personne née en France : 2 ou 3 caractères (2A, 971…)."),
    )
    birth_commune_code = _text(
        _("Commune de naissance (code INSEE)"),
        5,
        required=False,
        help_text=_("Obligatoire pour une personne née en France : 5 caractères."),
    )
    birth_commune_label = _text(_("Commune de naissance"), 60)
    mobile_phone = _text(_("Téléphone portable"), 15, help_text=_("06 ou 07, 10 chiffres."))
    email = forms.EmailField(
        label=_("Adresse e-mail donnée à l'URSSAF"),
        max_length=120,
        error_messages={**REQUIRED, "invalid": _("Adresse e-mail invalide.")},
        help_text=_("L'URSSAF y écrit au client pour qu'il active son compte."),
    )
    street_number = _text(_("Numéro"), 10, required=False)
    street_letter = _text(_("Indice (B, T…)"), 1, required=False)
    street_type_code = _text(_("Type de voie (code : R, AV, CHE…)"), 4, required=False)
    street_name = _text(_("Voie"), 100, required=False)
    complement = _text(_("Complément"), 100, required=False)
    locality = _text(_("Lieu-dit"), 60, required=False)
    postcode = _text(_("Code postal"), 5)
    city_code = _text(_("Commune (code INSEE)"), 5)
    city_label = _text(_("Commune"), 60)
    iban = _text(_("IBAN"), 42)
    bic = _text(_("BIC"), 11, help_text=_("8 ou 11 caractères."))
    account_holder = _text(_("Titulaire du compte"), 100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = None
        latest = _latest_birth_date()
        widget = self.fields["birth_date"].widget
        widget.attrs.update({"min": MIN_BIRTH_DATE.isoformat(), "max": latest.isoformat()})
        for name, field in self.fields.items():
            if self.is_bound and name in self.errors:
                field.widget.attrs["aria-invalid"] = "true"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"{self[name].auto_id}-error"

    def clean_customer_email(self) -> str:
        email = self.cleaned_data["customer_email"]
        self.customer = get_user_model().objects.filter(email__iexact=email, is_active=True).order_by("pk").first()
        if self.customer is None:
            raise ValidationError(_("Aucun compte du site n'a cette adresse e-mail."), code="unknown_customer")
        return email

    def clean_birth_date(self) -> datetime.date:
        value = self.cleaned_data["birth_date"]
        if value < MIN_BIRTH_DATE:
            raise ValidationError(_("Date de naissance trop ancienne."), code="too_old")
        if value > _latest_birth_date():
            raise ValidationError(_("Le client doit avoir au moins 16 ans."), code="too_young")
        return value

    def clean_birth_country_code(self) -> str:
        value = self.cleaned_data["birth_country_code"].strip()
        if not re.fullmatch(r"99[0-9]{3}", value):
            raise ValidationError(_("Code INSEE de pays invalide : 5 chiffres commençant par 99."), code="country")
        return value

    def clean_birth_department(self) -> str:
        value = self.cleaned_data["birth_department"].strip().upper()
        if value and not re.fullmatch(r"[0-9]{2,3}|2[AB]", value):
            raise ValidationError(_("Département invalide : 2 ou 3 caractères (01, 2A, 971…)."), code="department")
        return value

    def clean_birth_commune_code(self) -> str:
        value = self.cleaned_data["birth_commune_code"].strip().upper()
        if value and not re.fullmatch(INSEE_COMMUNE, value):
            raise ValidationError(_("Code INSEE de commune invalide : 5 caractères."), code="commune")
        return value

    def clean_mobile_phone(self) -> str:
        value = re.sub(r"[\s.]", "", self.cleaned_data["mobile_phone"])
        if not re.fullmatch(r"(\+33|0)[67][0-9]{8}", value):
            raise ValidationError(_("Numéro de portable invalide : 06 ou 07 suivi de 8 chiffres."), code="phone")
        return value

    def clean_street_letter(self) -> str:
        value = self.cleaned_data["street_letter"].strip().upper()
        if value and not value.isalpha():
            raise ValidationError(_("L'indice est une lettre (B pour bis, T pour ter…)."), code="letter")
        return value

    def clean_street_type_code(self) -> str:
        value = self.cleaned_data["street_type_code"].strip().upper()
        if value and not value.isalpha():
            raise ValidationError(_("Le type de voie est un code en lettres (R, AV, CHE…)."), code="street_type")
        return value

    def clean_postcode(self) -> str:
        value = self.cleaned_data["postcode"].strip()
        if not re.fullmatch(r"[0-9]{5}", value):
            raise ValidationError(_("Code postal invalide : 5 chiffres."), code="postcode")
        return value

    def clean_city_code(self) -> str:
        value = self.cleaned_data["city_code"].strip().upper()
        if not re.fullmatch(INSEE_COMMUNE, value):
            raise ValidationError(_("Code INSEE de commune invalide : 5 caractères."), code="commune")
        return value

    def clean_iban(self) -> str:
        value = re.sub(r"\s", "", self.cleaned_data["iban"]).upper()
        try:
            validate_iban(value)
            valid = len(value) <= 34
        except ValidationError:
            valid = False
        if not valid:
            raise ValidationError(_("IBAN invalide : vérifiez-le sur le relevé d'identité bancaire."), code="iban")
        return value

    def clean_bic(self) -> str:
        value = self.cleaned_data["bic"].strip().upper()
        if not re.fullmatch(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?", value):
            raise ValidationError(_("BIC invalide : 8 ou 11 caractères."), code="bic")
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("birth_country_code") == FRANCE:
            if "birth_department" in cleaned and not cleaned["birth_department"]:
                self.add_error("birth_department", _("Obligatoire pour une personne née en France."))
            if "birth_commune_code" in cleaned and not cleaned["birth_commune_code"]:
                self.add_error("birth_commune_code", _("Obligatoire pour une personne née en France."))
        if not any(cleaned.get(name) for name in ("street_name", "complement", "locality")):
            self.add_error("street_name", _("Indiquez la voie, un complément ou un lieu-dit."))
        return cleaned

    def identity(self) -> dict:
        """The keyword arguments of `advance.enrol_client` (besides structure, customer and by)."""
        data = dict(self.cleaned_data)
        data.pop("customer_email")
        return data
