"""Validators for French identifiers (backed by python-stdnum), and the bounds of free text."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret
from stdnum.fr import tva as stdnum_tva


def validate_siret(value: str) -> None:
    try:
        stdnum_siret.validate(value)
    except StdnumError as error:
        raise ValidationError(
            _("« %(value)s » n'est pas un numéro SIRET valide (14 chiffres, clé de contrôle)."),
            code="invalid_siret",
            params={"value": value},
        ) from error


def validate_siren(value: str) -> None:
    try:
        stdnum_siren.validate(value)
    except StdnumError as error:
        raise ValidationError(
            _("« %(value)s » n'est pas un numéro SIREN valide (9 chiffres, clé de contrôle)."),
            code="invalid_siren",
            params={"value": value},
        ) from error


def validate_vat_number(value: str) -> None:
    if not value.upper().startswith("FR"):
        raise ValidationError(
            _("Le numéro de TVA intracommunautaire doit commencer par FR."), code="invalid_vat_number"
        )
    try:
        stdnum_tva.validate(value)
    except StdnumError as error:
        raise ValidationError(
            _("« %(value)s » n'est pas un numéro de TVA intracommunautaire valide."),
            code="invalid_vat_number",
            params={"value": value},
        ) from error


def validate_iban(value: str) -> None:
    try:
        stdnum_iban.validate(value)
    except StdnumError as error:
        raise ValidationError(
            _("« %(value)s » n'est pas un IBAN valide."), code="invalid_iban", params={"value": value}
        ) from error


def french_vat_number(siren: str) -> str:
    """The intra-community VAT number of a French SIREN (key = (12 + 3 × (SIREN mod 97)) mod 97)."""
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


# Free text has a bound everywhere (issue 11: an unbounded address once took 94 s of CPU to print).
# A TextField's `max_length` only sizes its form field: the validator makes `full_clean` and model
# forms refuse more too (the database keeps `text`).
ADDRESS_MAX_LENGTH = 600
DESCRIPTION_MAX_LENGTH = 5000
LONG_TEXT_MAX_LENGTH = 100_000


def bounded_text(max_length: int) -> dict:
    """The keyword arguments of a TextField bounded to `max_length` characters."""
    return {"max_length": max_length, "validators": [MaxLengthValidator(max_length)]}
