from decimal import Decimal

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.validators import MinValueValidator, RegexValidator
from django.db import connection, models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hub import money
from hub.enums import StructureKind
from hub.models import Skill, Structure
from hub.validators import DESCRIPTION_MAX_LENGTH, bounded_text
from services.enums import VAT_RATE_CHOICES, VAT_RATES, Audience, OfferingKind, RevenueAccount, Unit
from services.images import validate_offering_image

CARD_FIELDS = (
    "slug", "name", "kind", "unit", "audience", "summary", "price", "solidarity_price", "vat_rate",
    "vat_exemption_mention", "sap_eligible", "quantity_measured_later", "stock", "updated_at",
    "structure__name", "structure__slug", "structure__is_active", "structure__position", "image", "image_alt",
)  # fmt: skip


class OfferingQuerySet(models.QuerySet):
    def active(self) -> "OfferingQuerySet":
        # An outside association whose books the Collectif keeps sells nothing on the platform.
        return self.filter(is_active=True, structure__is_active=True).exclude(
            structure__kind=StructureKind.OUTSIDE_ASSOCIATION
        )

    def for_structure(self, structure: Structure) -> "OfferingQuerySet":
        return self.filter(structure=structure)

    def for_audience(self, audience: str) -> "OfferingQuerySet":
        """What a resident (or an organisation) may buy: its own audience or both."""
        return self.filter(audience__in=[audience, Audience.BOTH])

    def search(self, text: str) -> "OfferingQuerySet":
        text = text.strip()
        if not text:
            return self
        if connection.vendor == "postgresql":
            vector = SearchVector("name", "summary", "description", config="french")
            return self.annotate(search=vector).filter(
                Q(search=SearchQuery(text, config="french")) | Q(name__icontains=text)
            )
        return self.filter(Q(name__icontains=text) | Q(summary__icontains=text) | Q(description__icontains=text))

    def for_catalogue(self) -> "OfferingQuerySet":
        return self.active().select_related("structure").order_by("kind", "position", "name")

    def catalogue_version(self) -> tuple:
        """Changes whenever an offering is saved, added, or taken off sale (the page cache key)."""
        version = self.filter(is_active=True).aggregate(count=models.Count("pk"), latest=models.Max("updated_at"))
        return (version["count"], version["latest"])

    def cards(self) -> "OfferingQuerySet":
        """What a catalogue card shows, and nothing more (the description is the detail page's)."""
        return self.for_catalogue().only(*CARD_FIELDS)


class Offering(models.Model):
    """Something the hub sells: its seller, price incl. VAT, VAT treatment and the work it creates."""

    structure = models.ForeignKey(
        Structure, verbose_name=_("structure vendeuse"), on_delete=models.PROTECT, related_name="offerings"
    )
    name = models.CharField(_("nom"), max_length=150)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=OfferingKind.choices)
    summary = models.CharField(_("accroche"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True, **bounded_text(DESCRIPTION_MAX_LENGTH))
    image = models.ImageField(
        _("photo"),
        upload_to="offerings/",
        blank=True,
        validators=[validate_offering_image],
        help_text=_("JPEG, PNG ou WebP, 2 Mo et 4 000 × 4 000 pixels au plus."),
    )
    image_alt = models.CharField(
        _("description de la photo"),
        max_length=150,
        blank=True,
        help_text=_("Ce que montre la photo, lu à qui ne la voit pas (obligatoire avec une photo)."),
    )
    unit = models.CharField(_("unité"), max_length=10, choices=Unit.choices)
    audience = models.CharField(_("public"), max_length=15, choices=Audience.choices, default=Audience.BOTH)

    price = models.DecimalField(
        _("prix TTC"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    solidarity_price = models.DecimalField(
        _("prix solidaire TTC"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Pour les client·es dont le statut solidaire a été vérifié par l'équipe."),
    )
    vat_rate = models.DecimalField(_("taux de TVA (%)"), max_digits=4, decimal_places=2, choices=VAT_RATE_CHOICES)
    vat_exemption_mention = models.CharField(
        _("mention d'exonération"),
        max_length=200,
        blank=True,
        help_text=_("Obligatoire quand le taux est 0 : imprimée sur la facture."),
    )
    revenue_account = models.CharField(_("compte de produit"), max_length=8, choices=RevenueAccount.choices)
    sap_eligible = models.BooleanField(
        _("service à la personne"), default=False, help_text=_("Ouvre droit au crédit d'impôt de 50 %.")
    )
    # The nature of the service in the URSSAF's referential (codeNature of the immediate advance's payment
    # requests); empty: housework, the sap app's default.
    sap_nature_code = models.CharField(
        _("code nature URSSAF"),
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^[0-9A-Z_]{1,10}$", _("Chiffres, majuscules ou _, 10 au plus."))],
        help_text=_("Nature de la prestation pour l'avance immédiate (référentiel de l'URSSAF)."),
    )
    quantity_measured_later = models.BooleanField(
        _("quantité définitive mesurée après coup"),
        default=False,
        help_text=_("Pesée ou heures réalisées : la facture attend la quantité définitive."),
    )
    stock = models.PositiveIntegerField(
        _("stock"), null=True, blank=True, help_text=_("Vide quand le stock n'est pas suivi.")
    )

    labour_hours_per_unit = models.DecimalField(
        _("heures de travail par unité"), max_digits=6, decimal_places=2, default=Decimal("0")
    )
    labour_headcount = models.PositiveSmallIntegerField(_("effectif requis"), default=1)
    required_skill = models.ForeignKey(
        Skill,
        verbose_name=_("compétence requise"),
        on_delete=models.PROTECT,
        related_name="offerings",
        null=True,
        blank=True,
    )

    is_active = models.BooleanField(_("en vente"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = OfferingQuerySet.as_manager()

    class Meta:
        verbose_name = _("offre")
        verbose_name_plural = _("offres")
        ordering = ["kind", "position", "name"]
        indexes = [models.Index(fields=["is_active", "kind", "position"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gt=0),
                name="services_offering_price_positive",
                violation_error_message=_("Le prix doit être positif."),
            ),
            models.CheckConstraint(
                condition=Q(solidarity_price__isnull=True)
                | (Q(solidarity_price__gt=0) & Q(solidarity_price__lt=F("price"))),
                name="services_offering_solidarity_price_below_price",
                violation_error_message=_("Le prix solidaire doit être positif et inférieur au prix normal."),
            ),
            models.CheckConstraint(
                condition=Q(vat_rate__in=VAT_RATES),
                name="services_offering_vat_rate_known",
                violation_error_message=_("Taux de TVA inconnu : 0 ; 5,5 ; 10 ou 20 %."),
            ),
            models.CheckConstraint(
                condition=(Q(vat_rate=0) & ~Q(vat_exemption_mention=""))
                | (Q(vat_rate__gt=0) & Q(vat_exemption_mention="")),
                name="services_offering_exempt_iff_mention",
                violation_error_message=_(
                    "Une offre exonérée (taux 0) doit porter sa mention d'exonération, et seule une offre exonérée."
                ),
            ),
            models.CheckConstraint(
                condition=Q(labour_hours_per_unit__gte=0),
                name="services_offering_labour_hours_positive",
                violation_error_message=_("Les heures de travail ne peuvent pas être négatives."),
            ),
            models.CheckConstraint(
                condition=Q(labour_headcount__gte=1),
                name="services_offering_headcount_positive",
                violation_error_message=_("L'effectif requis est d'au moins une personne."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    # Enum lookups: Django's get_FOO_display() hashes every lazy choice on each call, which
    # showed up as a fifth of the catalogue page's time.
    @property
    def kind_label(self) -> str:
        return str(OfferingKind(self.kind).label)

    @property
    def unit_label(self) -> str:
        return str(Unit(self.unit).label)

    @property
    def is_exempt(self) -> bool:
        return self.vat_rate == 0

    @property
    def tracks_stock(self) -> bool:
        return self.stock is not None

    @property
    def price_excl(self) -> Decimal:
        return money.split_incl(self.price, self.vat_rate)[0]

    @property
    def unit_price_excl(self) -> Decimal:
        return money.unit_price_excl(self.price, self.vat_rate)

    @property
    def price_after_tax_credit(self) -> Decimal | None:
        """What a SAP client really pays after the 50 % tax credit (shown apart, never as the price)."""
        if not self.sap_eligible:
            return None
        return money.quantize(self.price / 2)

    def price_for(self, *, solidarity: bool) -> Decimal:
        if solidarity and self.solidarity_price is not None:
            return self.solidarity_price
        return self.price
