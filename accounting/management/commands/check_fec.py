import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounting.fec_validator import validate_fec

MAX_SHOWN = 200


class Command(BaseCommand):
    help = "Contrôle un FEC (règles de Test Compta Demat de la DGFiP et les nôtres) ; code de sortie 1 si problème."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Le fichier FEC à contrôler.")
        parser.add_argument(
            "--start", help="Date de début de l'exercice (AAAAMMJJ), si l'exercice ne dure pas douze mois."
        )

    def handle(self, *args, file: str, start: str | None, **options):
        start_date = None
        if start:
            try:
                start_date = datetime.datetime.strptime(start, "%Y%m%d").date()  # noqa: DTZ007 — a date, no time zone
            except ValueError:
                raise CommandError(
                    _("Date de début illisible : %(start)s (AAAAMMJJ attendu).") % {"start": start}
                ) from None
        try:
            problems = validate_fec(file, start_date=start_date)
        except OSError as error:
            raise CommandError(
                _("Lecture impossible de %(file)s : %(error)s.") % {"file": file, "error": error}
            ) from None
        if not problems:
            self.stdout.write(self.style.SUCCESS(_("%(file)s : conforme, aucun problème trouvé.") % {"file": file}))
            return
        for problem in problems[:MAX_SHOWN]:
            self.stdout.write(str(problem))
        if len(problems) > MAX_SHOWN:
            self.stdout.write(_("… et %(count)s autres problèmes.") % {"count": len(problems) - MAX_SHOWN})
        self.stderr.write(
            self.style.ERROR(_("%(file)s : %(count)s problème(s).") % {"file": file, "count": len(problems)})
        )
        raise SystemExit(1)
