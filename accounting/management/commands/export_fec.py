import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounting.fec import count_fec_lines, fec_filename, write_fec
from accounting.models import FiscalYear
from hub.models import Structure


class Command(BaseCommand):
    help = "Exporte le FEC d'une structure pour un exercice (fichier SirenFECAAAAMMJJ.txt)."

    def add_arguments(self, parser):
        parser.add_argument("--structure", required=True, help="Identifiant (slug) de la structure.")
        parser.add_argument("--year", required=True, type=int, help="Année de début de l'exercice (AAAA).")
        parser.add_argument("--output", default=".", help="Dossier où écrire le fichier (défaut : dossier courant).")

    def handle(self, *args, structure: str, year: int, output: str, **options):
        try:
            structure_obj = Structure.objects.get(slug=structure)
        except Structure.DoesNotExist:
            raise CommandError(_("Structure inconnue : %(slug)s.") % {"slug": structure}) from None
        fiscal_year = (
            FiscalYear.objects.select_related("structure")
            .filter(structure=structure_obj, start_date__year=year)
            .first()
        )
        if fiscal_year is None:
            raise CommandError(
                _("%(structure)s n'a pas d'exercice commençant en %(year)s.")
                % {"structure": structure_obj, "year": year}
            )
        directory = Path(output)
        if not directory.is_dir():
            raise CommandError(_("Dossier introuvable : %(path)s.") % {"path": directory})

        total = count_fec_lines(fiscal_year)
        show = options["verbosity"] >= 1
        started = last_shown = time.monotonic()

        def progress(lines: int) -> None:
            nonlocal last_shown
            now = time.monotonic()
            if show and now - last_shown >= 0.5:
                last_shown = now
                percent = 100 * lines // total if total else 100
                sys.stderr.write(
                    "\r"
                    + _("%(name)s : %(lines)s/%(total)s lignes (%(percent)s %%)")
                    % {"name": fec_filename(fiscal_year), "lines": lines, "total": total, "percent": percent}
                )
                sys.stderr.flush()

        path = write_fec(fiscal_year, directory, progress=progress)
        if show:
            sys.stderr.write(
                "\r"
                + _("%(name)s : %(total)s/%(total)s lignes (100 %%) en %(seconds).1f s")
                % {"name": path.name, "total": total, "seconds": time.monotonic() - started}
                + "\n"
            )
        self.stdout.write(str(path))
