"""Teams (équipes): a few insertion workers led by supervisors (encadrant·es)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.models import Site, Skill, Structure


class Team(models.Model):
    """An équipe: a few insertion workers led by one or more supervisors (encadrant·es)."""

    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="teams"
    )
    name = models.CharField(_("nom"), max_length=100)
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("encadrant·es"), related_name="supervised_teams", blank=True
    )
    base_site = models.ForeignKey(
        Site, verbose_name=_("lieu de rattachement"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    skills = models.ManyToManyField(Skill, verbose_name=_("compétences"), related_name="teams", blank=True)

    class Meta:
        verbose_name = _("équipe")
        verbose_name_plural = _("équipes")
        ordering = ["structure__position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "name"],
                name="insertion_team_unique_name",
                violation_error_message=_("Cette structure a déjà une équipe de ce nom."),
            )
        ]

    def __str__(self) -> str:
        return self.name
