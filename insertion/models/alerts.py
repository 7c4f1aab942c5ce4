"""Alerts already sent to a structure's supervisors."""

from django.db import models

from hub.models import Structure


class SentAlert(models.Model):
    """An alert already e-mailed to a structure's supervisors: the daily task sends each one once."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["structure", "key"], name="insertion_sentalert_unique")]

    def __str__(self) -> str:
        return self.key
