"""Carts, and the solidarity status that prices them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.models.fields import QUANTITY
from services.models import Offering


class SolidarityStatus(models.Model):
    """A customer's verified solidarity status (DOMAIN.md rule 3): a real price tier, verified by staff."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("personne"), on_delete=models.CASCADE, related_name="solidarity"
    )
    valid_until = models.DateField(_("valable jusqu'au"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("vérifié par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("vérifié le"), default=timezone.now)
    note = models.CharField(_("justificatif vu"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("statut solidaire")
        verbose_name_plural = _("statuts solidaires")

    def __str__(self) -> str:
        return f"{self.user} (→ {self.valid_until:%d/%m/%Y})"

    def is_valid(self, on=None) -> bool:
        return (on or timezone.localdate()) <= self.valid_until


class Cart(models.Model):
    """A visitor's cart (kept in the session) or a signed-in person's."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="cart",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("panier")
        verbose_name_plural = _("paniers")

    def __str__(self) -> str:
        return f"Panier {self.pk}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    offering = models.ForeignKey(Offering, verbose_name=_("offre"), on_delete=models.CASCADE, related_name="+")
    quantity = models.DecimalField(_("quantité"), **QUANTITY)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("article du panier")
        verbose_name_plural = _("articles du panier")
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "offering"], name="marketplace_cartitem_unique_offering"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="marketplace_cartitem_quantity_positive",
                violation_error_message=_("La quantité doit être positive."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering} × {self.quantity}"
