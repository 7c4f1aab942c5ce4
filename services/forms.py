from django import forms
from django.utils.translation import gettext_lazy as _

from hub.enums import StructureKind
from services.enums import VAT_RATE_CHOICES, Audience, OfferingKind
from services.models import Offering
from services.vat import default_vat_treatment


class OfferingAdminForm(forms.ModelForm):
    """The back-office form: VAT defaults from the structure's regime when left empty."""

    vat_rate = forms.TypedChoiceField(
        label=_("taux de TVA (%)"),
        choices=[("", _("Selon le régime de la structure")), *VAT_RATE_CHOICES],
        coerce=lambda value: value,
        required=False,
    )

    class Meta:
        model = Offering
        fields = [
            "structure", "name", "slug", "kind", "summary", "description", "image", "image_alt", "is_active", "position",
            "unit", "audience", "price", "solidarity_price", "vat_rate", "vat_exemption_mention",
            "revenue_account", "sap_eligible", "quantity_measured_later", "stock",
            "labour_hours_per_unit", "labour_headcount", "required_skill",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("image") and not (cleaned.get("image_alt") or "").strip():
            self.add_error(
                "image_alt", _("Décrivez la photo en quelques mots : ce texte la remplace pour qui ne la voit pas.")
            )
        structure = cleaned.get("structure")
        if structure is None:
            return cleaned
        if cleaned.get("vat_rate") in (None, ""):
            treatment = default_vat_treatment(structure)
            cleaned["vat_rate"] = treatment.rate
            if not cleaned.get("vat_exemption_mention"):
                cleaned["vat_exemption_mention"] = treatment.exemption_mention
        if structure.kind == StructureKind.OUTSIDE_ASSOCIATION:
            self.add_error("structure", _("Une association adhérente ne vend rien sur la plateforme."))
            return cleaned
        if cleaned.get("sap_eligible") and structure.kind != StructureKind.AI:
            self.add_error("sap_eligible", _("Seule l'association intermédiaire vend des services à la personne."))
        return cleaned

    def _post_clean(self):
        # The cleaned VAT rate may come from the structure: put it on the instance before validation.
        if "vat_rate" in self.cleaned_data:
            self.instance.vat_rate = self.cleaned_data["vat_rate"]
        super()._post_clean()


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Tous les types")), *OfferingKind.choices]
    )
    structure = forms.SlugField(label=_("Structure"), required=False)
    audience = forms.ChoiceField(
        label=_("Pour"),
        required=False,
        choices=[
            ("", _("Tout le monde")),
            (Audience.RESIDENTS, _("Habitant·es")),
            (Audience.ORGANISATIONS, _("Organisations")),
        ],
    )

    def __init__(self, *args, structures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"] = forms.ChoiceField(
            label=_("Structure"),
            required=False,
            choices=[("", _("Toutes les structures")), *[(s.slug, s.name) for s in structures]],
        )
