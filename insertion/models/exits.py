"""Exits (« sorties »): where a person went on leaving the structure, recorded on their last contract."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from insertion.enums import EXIT_CATEGORY_OF, ExitCategory, ExitReason
from insertion.models.workers import Contract

EXIT_NOTE_MAX_LENGTH = 200


class ContractExitQuerySet(models.QuerySet):
    def for_structure(self, structure) -> "ContractExitQuerySet":
        return self.filter(contract__worker__structure=structure)

    def between(self, start, end) -> "ContractExitQuerySet":
        return self.filter(date__gte=start, date__lte=end)


class ContractExit(models.Model):
    """The exit of a person from the structure, on the contract that ended their stay (one at most).

    The category is stored with the reason (reports group by it in SQL); a check constraint keeps the
    pair to `EXIT_CATEGORY_OF`, so the two never disagree.
    """

    contract = models.OneToOneField(Contract, verbose_name=_("contrat"), on_delete=models.CASCADE, related_name="exit")
    date = models.DateField(_("date de sortie"))
    category = models.CharField(_("catégorie de sortie"), max_length=20, choices=ExitCategory.choices)
    reason = models.CharField(_("motif de sortie"), max_length=30, choices=ExitReason.choices)
    note = models.CharField(_("précision"), max_length=EXIT_NOTE_MAX_LENGTH, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("saisie par"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("saisie le"), auto_now_add=True)

    objects = ContractExitQuerySet.as_manager()

    class Meta:
        verbose_name = _("sortie")
        verbose_name_plural = _("sorties")
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    *[Q(reason=reason, category=category) for reason, category in EXIT_CATEGORY_OF.items()],
                    _connector=Q.OR,
                ),
                name="insertion_exit_reason_in_category",
                violation_error_message=_("Ce motif de sortie n'appartient pas à cette catégorie."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.date:%d/%m/%Y})"
