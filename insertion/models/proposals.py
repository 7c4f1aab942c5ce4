"""The planner's proposal for one structure's week, kept until the supervisor accepts or discards it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.models import Structure


class PlanProposal(models.Model):
    """What the planner proposed (then edited by hand) for a week: nothing is assigned until it is accepted.

    `base` fingerprints the week's real assignments when the planner ran: accepting a proposal the
    board has moved away from since (someone assigned by hand outside it) is refused as stale.
    """

    structure = models.ForeignKey(Structure, verbose_name=_("structure"), on_delete=models.CASCADE, related_name="+")
    monday = models.DateField(_("lundi de la semaine"))
    # [[job id, worker id], …]: written only by `insertion.actions`, never read from a form.
    pairs = models.JSONField(_("affectations proposées"), default=list)
    # The planner's figures (status, gap, covered and total centihours, fairness): shown, not recomputed.
    summary = models.JSONField(_("résumé"), default=dict)
    base = models.CharField(_("empreinte du planning de départ"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("proposition de planning")
        verbose_name_plural = _("propositions de planning")
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "monday"],
                name="insertion_planproposal_one_per_week",
                violation_error_message=_("Une proposition existe déjà pour cette semaine."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.structure_id} {self.monday:%Y-%m-%d}"

    @property
    def pair_set(self) -> set[tuple[int, int]]:
        return {(int(job_id), int(worker_id)) for job_id, worker_id in self.pairs}
