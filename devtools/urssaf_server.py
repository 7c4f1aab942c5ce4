"""A local stand-in for the URSSAF « API Tiers de prestation » (avance immédiate), for tests and the demo.

    python -m devtools.urssaf_server --port 8430      # in memory, on 127.0.0.1

Standard library only (http.server + json). Same paths, payloads and HTTP statuses as the real API
as far as public client code shows them (docs/adr/0027-urssaf-immediate-advance-api.md says what is
confirmed and what is assumed):

* `POST /api/oauth/v1/token` — form `grant_type=client_credentials`, `scope=homeplus.tiersprestations`,
  `client_id`/`client_secret` in the body or as HTTP Basic. Known credentials: TEST_CLIENT_ID /
  TEST_CLIENT_SECRET (or `--client-id`/`--client-secret`); others → 401 `{"error": "invalid_client"}`.
  Tokens last `expires_in` = 3600 s of the server's clock; every other call needs `Authorization:
  Bearer …` (401 otherwise).
* `POST /atp/v1/tiersPrestations/particulier` → 200 `{"idClient": …}`, the client being
  `APPAREILLAGE_EC` (waiting for the person to activate their URSSAF account). The same person
  (birth name, first names, birth date, e-mail) registered again gets the same idClient back.
* `GET /atp/v1/tiersPrestations/particulier?idClient=…` → `{"idClient", "statut": {code, description, etat}}`.
* `POST /atp/v1/tiersPrestations/demandePaiement` — a list of 1 to 10 requests → 200 with one item
  per request: `{"idClient", "idDemandePaiement", "numFactureTiers", "statut": "10"}` or
  `{"errors": [{code, message, description}]}`.
* `POST /atp/v1/tiersPrestations/demandePaiement/rechercher` — `{"idDemandePaiements": [≤ 10 ids]}`
  or `{"dateDebut", "dateFin"}` (invoice dates) → `{"infoDemandePaiements": [{idDemandePaiement,
  demandePaiement (the request as sent), statut {code, libelle}, infoRejet, infoVirement}]}`; nothing found
  → 400 `ERR_RECHERCHE_VIDE`. A request seen as "10" becomes "20" at the next search (the person
  is notified); one "20" for more than 48 h of the server's clock becomes "30" (validated).

Invalid input → 400 with a list of `{code, message, description}`. Deterministic refusals of a
registration (the real ones come from the DGFiP and the bank checks):

* `nomNaissance` "INCONNU" → `ERR_DGFIP_R2P_INCONNU` (the tax office knows no such person);
* a birth year ≥ 2010, or `prenoms` "SANSDECLARATION" → `ERR_DGFIP_IMPOTPART_INCONNU` (no tax
  return filed yet);
* an IBAN failing its ISO 13616 check digits, or a BIC not 8 or 11 characters →
  `ERR_COORDONNEES_BANCAIRES`;
* `nomNaissance` "BLOQUE" → `ERR_COMPTE_BLOQUE`;
* a birth date in the future → `ERR_DATE_NAISSANCE_FUTUR`; a French birth place without
  département or commune code → `ERREUR_LIEU_NAISSANCE_DEPT` / `ERR_LIEU_NAISSANCE_COMN`; no
  birth commune label → `ERR_LIEU_NAISSANCE_OBLIGATOIRE`; missing phone, e-mail or address parts →
  `ERR_CONTACT`; anything else missing or malformed → `ERREUR_VALIDATION`.

Refusals of a payment request (per item): unknown idClient or birth date not matching →
`ERR_PARTICULIER_INCONNU`; client not `APPAREILLAGE_VALIDE` → `ERR_LIEN_PARTICULIER_PRESTATAIRE`
(`ERR_CMPT_BLOQUE` when `PARTICULIER_BLOQUE`, `ERR_MANDAT_ECHU` when `MANDAT_ECHU`); end before
start → `ERR_DATE_FIN_AVANT_DATE_DEB`; start and end in two calendar months →
`ERR_PERIODE_EMPLOI_MOIS_NON_UNIQUE`; a period in the future → `ERR_DATE_FUTUR`; more than two
decimals → `ERR_FORMAT_VALEUR`; a negative amount → `ERR_VALEUR_NEGATIVE`; quantity × unit price ≠
line TTC → `ERR_MNT_PREST_TTC`; line HT + TVA ≠ TTC → `ERR_MNT_PREST_HT_TVA`; sum of the lines'
TTC ≠ `mntFactureTTC` → `ERR_TOTAL_PRESTATIONS`; the same `numFactureTiers` already sent for the
same `idTiersFacturation` → `ERR_FACTURE_DOUBLON`; more than 10 requests → `ERR_NBRE_PREST_MAX`.

Controls (not in the real API), JSON, no token, never failed on purpose:

* `GET  /__control/health` → `{"ok": true}`;
* `POST /__control/reset` — empty everything (clock and failures too);
* `POST /__control/clients/<idClient>/activate` — the person activated their account
  (→ `APPAREILLAGE_VALIDE`); `POST /__control/clients/<idClient>/status` `{"code": …}` — any status;
* `POST /__control/payment-requests/<id>/status` `{"code": "30"|"40"|"50"|"60"|"70"|"110"|…,
  "reject_code", "comment"` (40, 110: an infoRejet code is required) `, "amount", "date"` (70:
  infoVirement, by default the invoice's TTC and the server's today)`}`;
* `POST /__control/clock/advance` `{"hours": 49}` — move the server's clock (48 h rule, tokens);
* `POST /__control/fail-next` `{"count": 2, "status": 503}` — the next API calls fail;
* `POST /__control/tokens/expire` — every token issued so far expires.

Only the method, path (without its query) and status of each call are logged — never names, IBAN
or birth dates. `start_in_background()` / `stop()` / `wait_until_ready()` serve pytest fixtures and
`make run`.
"""

import argparse
import base64
import binascii
import datetime as dt
import json
import logging
import re
import secrets
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

from devtools import background

PARIS = ZoneInfo("Europe/Paris")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT = 8430
TEST_CLIENT_ID = "urssaf-test-client"
TEST_CLIENT_SECRET = "urssaf-test-secret"
SCOPE = "homeplus.tiersprestations"
TOKEN_LIFETIME = 3600
VALIDATION_DELAY = dt.timedelta(hours=48)

logger = logging.getLogger("urssaf_server")

CLIENT_STATUSES = {
    "APPAREILLAGE_EC": ("Appareillage en cours", "EN_COURS"),
    "APPAREILLAGE_VALIDE": ("Appareillage confirmé", "VALIDE"),
    "APPAREILLAGE_NF": ("Appareillage non finalisé", "NON_FINALISE"),
    "PARTICULIER_BLOQUE": ("Particulier bloqué", "BLOQUE"),
    "MANDAT_ECHU": ("Mandat expiré", "ECHU"),
}
REQUEST_STATUSES = {
    "10": "Intégrée",
    "20": "En attente de validation",
    "30": "Validée",
    "40": "Refusée",
    "50": "Prélevée",
    "60": "En refus de prélèvement",
    "70": "Payée",
    "110": "Annulée",
    "111": "Annulée après impayé",
    "112": "Annulée après recouvrement",
    "120": "Recouvrée",
}
REJECT_CODES = {
    "REGUL_MNT_FACT",
    "REGUL_NB_QTE_FACT",
    "REGUL_PRESTA_FACT",
    "REGUL_AUTRE",
    "CONTEST_ERR_FACT",
    "CONTEST_FACT_REGLEE",
    "CONTEST_AUTRE",
    "ANNUL_DBL",
    "ANNUL_ERR_MNT",
    "ANNUL_ERR_TECH",
    "ANNUL_AUTRE",
}
MESSAGES = {
    "ERREUR_VALIDATION": "Les informations envoyées ne respectent pas les formats attendus.",
    "ERR_CONTACT": "Les informations de contact (téléphone, mail, adresse) sont incomplètes ou invalides.",
    "ERR_DGFIP_R2P_INCONNU": "Aucun usager ne correspond à l'état civil transmis (DGFiP).",
    "ERR_DGFIP_IMPOTPART_INCONNU": "La situation fiscale ne permet pas d'activer le service.",
    "ERR_COORDONNEES_BANCAIRES": "Le BIC ou l'IBAN est invalide.",
    "ERR_COMPTE_BLOQUE": "Le compte du particulier est bloqué.",
    "ERR_DATE_NAISSANCE_FUTUR": "La date de naissance est dans le futur.",
    "ERREUR_LIEU_NAISSANCE_DEPT": "Le département de naissance est obligatoire quand le pays est la France.",
    "ERR_LIEU_NAISSANCE_COMN": "La commune de naissance est obligatoire quand le pays est la France.",
    "ERR_LIEU_NAISSANCE_OBLIGATOIRE": "Le libellé de la commune de naissance doit être renseigné.",
    "ERR_PARTICULIER_INCONNU": "Particulier inconnu ou date de naissance ne correspondant pas.",
    "ERR_LIEN_PARTICULIER_PRESTATAIRE": "Aucun lien actif entre le particulier et le prestataire.",
    "ERR_CMPT_BLOQUE": "Le compte du particulier a été bloqué.",
    "ERR_MANDAT_ECHU": "Le mandat SEPA du particulier est échu.",
    "ERR_DATE_FIN_AVANT_DATE_DEB": "La date de fin est antérieure à la date de début.",
    "ERR_PERIODE_EMPLOI_MOIS_NON_UNIQUE": "La période d'emploi est sur deux mois calendaires.",
    "ERR_DATE_FUTUR": "La période d'emploi est dans le futur.",
    "ERR_FORMAT_VALEUR": "La valeur doit comporter deux décimales au maximum.",
    "ERR_VALEUR_NEGATIVE": "La valeur doit être positive.",
    "ERR_MNT_PREST_TTC": "Le montant TTC n'est pas égal à la quantité multipliée par le montant unitaire.",
    "ERR_MNT_PREST_HT_TVA": "Le montant HT plus la TVA n'est pas égal au montant TTC.",
    "ERR_TOTAL_PRESTATIONS": "Le total des prestations est différent du montant de la facture.",
    "ERR_FACTURE_DOUBLON": "La référence de la facture est déjà existante.",
    "ERR_NBRE_PREST_MAX": "Le nombre maximum de demandes par appel (10) est dépassé.",
    "ERR_CRITERE_RECHERCHE_VIDE": "Au minimum un critère de recherche doit être renseigné.",
    "ERR_RECHERCHE_VIDE": "Aucune demande de paiement ne correspond aux critères de recherche.",
    "ERR_RECHERCHE_PARTICULIER": "Aucun particulier ne correspond.",
}

_started: list[subprocess.Popen] = []


def _error(code: str, description: str = "") -> dict:
    return {"code": code, "message": MESSAGES.get(code, code), "description": description}


def iban_is_valid(iban: str) -> bool:
    """ISO 13616: letters → digits, the first four characters moved to the end, mod 97 == 1."""
    iban = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", iban):
        return False
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def _parse_date(value) -> dt.date | None:
    """Accept "YYYY-MM-DD" or an ISO datetime ("YYYY-MM-DDT00:00:00Z", with or without milliseconds)."""
    if not isinstance(value, str) or not re.match(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


class State:
    """Everything the stand-in knows, behind one lock."""

    def __init__(self, credentials: dict[str, str]) -> None:
        self.lock = threading.Lock()
        self.credentials = credentials
        self.reset()

    def reset(self) -> None:
        self.clock_offset = dt.timedelta()
        self.tokens: dict[str, dt.datetime] = {}
        self.clients: dict[str, dict] = {}
        self.requests: dict[str, dict] = {}
        self.invoices: dict[tuple[str, str, str], str] = {}
        self.fail_next = 0
        self.fail_status = 503

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.clock_offset

    def today(self) -> dt.date:
        """The URSSAF's date is France's: just after midnight in Paris is still the day before in UTC."""
        return self.now().astimezone(PARIS).date()

    # --- OAuth -----------------------------------------------------------------------------------
    def issue_token(self, client_id: str, client_secret: str) -> str | None:
        expected = self.credentials.get(client_id)
        if expected is None or not secrets.compare_digest(expected, client_secret):
            return None
        token = secrets.token_urlsafe(24)
        self.tokens[token] = self.now() + dt.timedelta(seconds=TOKEN_LIFETIME)
        return token

    def token_is_valid(self, token: str) -> bool:
        expires = self.tokens.get(token)
        return expires is not None and expires > self.now()

    # --- Clients ---------------------------------------------------------------------------------
    def register(self, body) -> tuple[int, object]:
        if not isinstance(body, dict):
            return 400, [_error("ERREUR_VALIDATION", "Le corps doit être un objet JSON.")]
        errors = []
        if body.get("civilite") not in ("1", "2"):
            errors.append(_error("ERREUR_VALIDATION", "civilite : « 1 » ou « 2 »."))
        for field in ("nomNaissance", "prenoms"):
            if not _text(body.get(field)):
                errors.append(_error("ERREUR_VALIDATION", f"{field} est obligatoire."))
        birth = _parse_date(body.get("dateNaissance"))
        if birth is None:
            errors.append(_error("ERREUR_VALIDATION", "dateNaissance est obligatoire (date ISO)."))
        elif birth > self.today():
            errors.append(_error("ERR_DATE_NAISSANCE_FUTUR"))
        place = body.get("lieuNaissance")
        if not isinstance(place, dict) or not _text(place.get("codePaysNaissance")):
            errors.append(_error("ERREUR_VALIDATION", "lieuNaissance.codePaysNaissance est obligatoire."))
        else:
            commune = place.get("communeNaissance") if isinstance(place.get("communeNaissance"), dict) else {}
            if place["codePaysNaissance"] == "99100":
                if not re.fullmatch(r"[0-9]{2,3}|2[AB]", _text(place.get("departementNaissance"))):
                    errors.append(_error("ERREUR_LIEU_NAISSANCE_DEPT"))
                if not re.fullmatch(r"[0-9][0-9AB][0-9]{3}", _text(commune.get("codeCommune"))):
                    errors.append(_error("ERR_LIEU_NAISSANCE_COMN"))
            if not _text(commune.get("libelleCommune")):
                errors.append(_error("ERR_LIEU_NAISSANCE_OBLIGATOIRE"))
        address = body.get("adressePostale")
        phone = _text(body.get("numeroTelephonePortable"))
        email = _text(body.get("adresseMail"))
        if (
            not re.fullmatch(r"(\+33|0)[67][0-9]{8}", phone.replace(" ", ""))
            or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)
            or not isinstance(address, dict)
            or not all(_text(address.get(key)) for key in ("libelleCommune", "codeCommune", "codePostal", "codePays"))
            or not (
                _text(address.get("libelleVoie")) or _text(address.get("complement")) or _text(address.get("lieuDit"))
            )
        ):
            errors.append(_error("ERR_CONTACT"))
        bank = body.get("coordonneeBancaire")
        if not isinstance(bank, dict) or not _text(bank.get("titulaire")):
            errors.append(_error("ERREUR_VALIDATION", "coordonneeBancaire (bic, iban, titulaire) est obligatoire."))
        elif not iban_is_valid(_text(bank.get("iban"))) or len(_text(bank.get("bic"))) not in (8, 11):
            errors.append(_error("ERR_COORDONNEES_BANCAIRES"))
        if errors:
            return 400, errors
        name = body["nomNaissance"].strip().upper()
        if name == "INCONNU":
            return 400, [_error("ERR_DGFIP_R2P_INCONNU")]
        if name == "BLOQUE":
            return 400, [_error("ERR_COMPTE_BLOQUE")]
        if birth.year >= 2010 or body["prenoms"].strip().upper() == "SANSDECLARATION":
            return 400, [_error("ERR_DGFIP_IMPOTPART_INCONNU")]
        key = (name, body["prenoms"].strip().upper(), birth.isoformat(), email.lower())
        for id_client, client in self.clients.items():
            if client["key"] == key:
                return 200, {"idClient": id_client}
        id_client = str(uuid.uuid4())
        self.clients[id_client] = {"key": key, "birth_date": birth, "status": "APPAREILLAGE_EC"}
        return 200, {"idClient": id_client}

    def client_status(self, id_client: str) -> tuple[int, object]:
        client = self.clients.get(id_client)
        if client is None:
            return 400, [_error("ERR_RECHERCHE_PARTICULIER")]
        description, state = CLIENT_STATUSES[client["status"]]
        return 200, {
            "idClient": id_client,
            "statut": {"code": client["status"], "description": description, "etat": state},
        }

    # --- Payment requests ------------------------------------------------------------------------
    def submit(self, body, caller: str) -> tuple[int, object]:
        if not isinstance(body, list) or not body:
            return 400, [_error("ERREUR_VALIDATION", "Le corps doit être une liste de demandes de paiement.")]
        if len(body) > 10:
            return 400, [_error("ERR_NBRE_PREST_MAX")]
        results = []
        for item in body:
            errors = self._check_request(item)
            if errors:
                results.append({"errors": errors})
                continue
            id_request = str(uuid.uuid4())
            self.invoices[(caller, str(item["idTiersFacturation"]), str(item["numFactureTiers"]))] = id_request
            self.requests[id_request] = {
                "caller": caller,
                "item": item,
                "invoice_date": _parse_date(item["dateFacture"]),
                "status": "10",
                "status_at": self.now(),
                "reject": None,
                "transfer": None,
            }
            results.append(
                {
                    "idClient": item["idClient"],
                    "idDemandePaiement": id_request,
                    "numFactureTiers": item["numFactureTiers"],
                    "statut": "10",
                }
            )
        return 200, results

    def _check_request(self, item) -> list[dict]:  # noqa: C901 — one check per documented code
        if not isinstance(item, dict):
            return [_error("ERREUR_VALIDATION", "Une demande de paiement doit être un objet.")]
        missing = [
            field
            for field in (
                "idTiersFacturation",
                "idClient",
                "dateNaissanceClient",
                "numFactureTiers",
                "dateFacture",
                "dateDebutEmploi",
                "dateFinEmploi",
                "mntFactureTTC",
                "inputPrestations",
            )
            if item.get(field) in (None, "", [])
        ]
        if missing:
            return [_error("ERREUR_VALIDATION", "Champs obligatoires : " + ", ".join(missing))]
        dates = {
            f: _parse_date(item[f]) for f in ("dateNaissanceClient", "dateFacture", "dateDebutEmploi", "dateFinEmploi")
        }
        if None in dates.values():
            return [_error("ERREUR_VALIDATION", "Dates au format ISO attendues.")]
        lines = item["inputPrestations"]
        if not isinstance(lines, list):
            return [_error("ERREUR_VALIDATION", "inputPrestations doit être une liste.")]
        client = self.clients.get(str(item["idClient"]))
        if client is None or client["birth_date"] != dates["dateNaissanceClient"]:
            return [_error("ERR_PARTICULIER_INCONNU")]
        status = client["status"]
        if status == "PARTICULIER_BLOQUE":
            return [_error("ERR_CMPT_BLOQUE")]
        if status == "MANDAT_ECHU":
            return [_error("ERR_MANDAT_ECHU")]
        if status != "APPAREILLAGE_VALIDE":
            return [_error("ERR_LIEN_PARTICULIER_PRESTATAIRE")]
        start, end = dates["dateDebutEmploi"], dates["dateFinEmploi"]
        if end < start:
            return [_error("ERR_DATE_FIN_AVANT_DATE_DEB")]
        if (start.year, start.month) != (end.year, end.month):
            return [_error("ERR_PERIODE_EMPLOI_MOIS_NON_UNIQUE")]
        if end > self.today():
            return [_error("ERR_DATE_FUTUR")]
        errors: list[dict] = []
        total = self._amount(item.get("mntFactureTTC"), "mntFactureTTC", errors)
        self._amount(item.get("mntFactureHT", 0), "mntFactureHT", errors)
        lines_total = Decimal(0)
        for index, line in enumerate(lines):
            if not isinstance(line, dict) or not _text(line.get("codeNature")):
                errors.append(_error("ERREUR_VALIDATION", f"inputPrestations[{index}].codeNature est obligatoire."))
                continue
            if line.get("unite") not in ("HEURE", "FORFAIT"):
                errors.append(_error("ERREUR_VALIDATION", f"inputPrestations[{index}].unite : HEURE ou FORFAIT."))
            quantity = self._amount(line.get("quantite"), f"inputPrestations[{index}].quantite", errors)
            unit = self._amount(line.get("mntUnitaireTTC"), f"inputPrestations[{index}].mntUnitaireTTC", errors)
            ttc = self._amount(line.get("mntPrestationTTC"), f"inputPrestations[{index}].mntPrestationTTC", errors)
            ht = self._amount(line.get("mntPrestationHT", 0), f"inputPrestations[{index}].mntPrestationHT", errors)
            vat = self._amount(line.get("mntPrestationTVA", 0), f"inputPrestations[{index}].mntPrestationTVA", errors)
            if None in (quantity, unit, ttc, ht, vat):
                continue
            if (quantity * unit).quantize(Decimal("0.01")) != ttc:
                errors.append(_error("ERR_MNT_PREST_TTC", f"inputPrestations[{index}]"))
            if "mntPrestationHT" in line and ht + vat != ttc:
                errors.append(_error("ERR_MNT_PREST_HT_TVA", f"inputPrestations[{index}]"))
            lines_total += ttc
        if errors:
            return errors
        if total != lines_total:
            return [_error("ERR_TOTAL_PRESTATIONS")]
        return []

    @staticmethod
    def _amount(value, field: str, errors: list) -> Decimal | None:
        """A JSON number (parsed as Decimal), ≥ 0, at most two decimals."""
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            errors.append(_error("ERREUR_VALIDATION", f"{field} doit être un nombre."))
            return None
        try:
            amount = Decimal(value)
        except InvalidOperation:
            errors.append(_error("ERREUR_VALIDATION", f"{field} doit être un nombre."))
            return None
        if not amount.is_finite() or abs(amount) >= 10**9:
            errors.append(_error("ERREUR_VALIDATION", f"{field} doit être un nombre."))
            return None
        if amount < 0:
            errors.append(_error("ERR_VALEUR_NEGATIVE", field))
            return None
        if amount != amount.quantize(Decimal("0.01")):
            errors.append(_error("ERR_FORMAT_VALEUR", field))
            return None
        return amount

    def search(self, body, caller: str) -> tuple[int, object]:
        if not isinstance(body, dict):
            return 400, [_error("ERREUR_VALIDATION", "Le corps doit être un objet JSON.")]
        self._advance_statuses()
        ids = body.get("idDemandePaiements")
        if ids:
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                return 400, [_error("ERREUR_VALIDATION", "idDemandePaiements doit être une liste d'identifiants.")]
            if len(ids) > 10:
                return 400, [_error("ERREUR_VALIDATION", "10 identifiants au plus par recherche.")]
            found = [i for i in ids if i in self.requests and self.requests[i]["caller"] == caller]
        elif body.get("dateDebut") or body.get("dateFin"):
            start, end = _parse_date(body.get("dateDebut")), _parse_date(body.get("dateFin"))
            if (body.get("dateDebut") and start is None) or (body.get("dateFin") and end is None):
                return 400, [_error("ERREUR_VALIDATION", "Dates au format ISO attendues.")]
            found = [
                i
                for i, r in self.requests.items()
                if r["caller"] == caller
                and (start is None or r["invoice_date"] >= start)
                and (end is None or r["invoice_date"] <= end)
            ]
        else:
            return 400, [_error("ERR_CRITERE_RECHERCHE_VIDE")]
        if not found:
            return 400, [_error("ERR_RECHERCHE_VIDE")]
        infos = []
        for id_request in found:
            request = self.requests[id_request]
            item = request["item"]
            infos.append(
                {
                    "idDemandePaiement": id_request,
                    "demandePaiement": item,  # the request as it was sent (InputDemandePaiement)
                    "statut": {"code": request["status"], "libelle": REQUEST_STATUSES[request["status"]]},
                    "infoRejet": request["reject"],
                    "infoVirement": request["transfer"],
                }
            )
            # the person is notified once the provider has seen the request integrated
            if request["status"] == "10":
                request["status"], request["status_at"] = "20", self.now()
        return 200, {"infoDemandePaiements": infos}

    def _advance_statuses(self) -> None:
        """Requests waiting for the person's validation for more than 48 h are validated."""
        now = self.now()
        for request in self.requests.values():
            if request["status"] == "20" and now - request["status_at"] > VALIDATION_DELAY:
                request["status"], request["status_at"] = "30", now

    # --- Controls ----------------------------------------------------------------------------------
    def set_request_status(self, id_request: str, body: dict) -> tuple[int, object]:
        request = self.requests.get(id_request)
        if request is None:
            return 404, {"error": "unknown payment request"}
        code = str(body.get("code", ""))
        if code not in REQUEST_STATUSES:
            return 400, {"error": f"code must be one of {sorted(REQUEST_STATUSES)}"}
        reject = None
        if code in ("40", "110", "111", "112"):
            reject_code = body.get("reject_code")
            if code in ("40", "110") and reject_code not in REJECT_CODES:
                return 400, {"error": f"reject_code must be one of {sorted(REJECT_CODES)}"}
            if reject_code:
                reject = {"code": reject_code, "commentaire": str(body.get("comment", ""))[:500]}
        transfer = request["transfer"]
        if code == "70":
            try:
                amount = Decimal(str(body.get("amount", request["item"]["mntFactureTTC"])))
                when = dt.date.fromisoformat(body.get("date") or self.today().isoformat())
            except (InvalidOperation, ValueError):
                return 400, {"error": "amount must be a number, date YYYY-MM-DD"}
            transfer = {"mntVirement": amount, "dateVirement": when.isoformat()}
        request.update(status=code, status_at=self.now(), reject=reject or request["reject"], transfer=transfer)
        return 200, {"idDemandePaiement": id_request, "statut": code}


class Handler(BaseHTTPRequestHandler):
    server_version = "urssaf-stand-in/1"
    state: State  # set by make_server

    def log_message(self, format, *args):  # noqa: A002 — the stdlib's signature
        """Silence the stdlib's access log: it would print the query string."""

    def _send(self, status: int, payload) -> None:
        body = json.dumps(payload, default=_json_default, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        logger.info("%s %s %s", self.command, urllib.parse.urlsplit(self.path).path, status)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, 1_000_000)) if length > 0 else b""

    def _json(self):
        try:
            return json.loads(self._body() or b"null", parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            return ValueError

    def do_GET(self):  # noqa: N802 — the stdlib's name
        self._dispatch("GET")

    def do_POST(self):  # noqa: N802
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        try:
            if path.startswith("/__control/"):
                return self._control(method, path)
            state = self.state
            with state.lock:
                if state.fail_next > 0:
                    state.fail_next -= 1
                    return self._send(state.fail_status, {"error": "service_unavailable"})
            if method == "POST" and path == "/api/oauth/v1/token":
                return self._token()
            with state.lock:
                auth = self.headers.get("Authorization", "")
                token = auth[7:] if auth.startswith("Bearer ") else ""
                if not state.token_is_valid(token):
                    return self._send(401, {"error": "invalid_token"})
                caller = "default"
                if method == "GET" and path == "/atp/v1/tiersPrestations/particulier":
                    id_client = urllib.parse.parse_qs(url.query).get("idClient", [""])[0]
                    return self._send(*state.client_status(id_client))
                if method != "POST":
                    return self._send(404, {"error": "not_found"})
                body = self._json()
                if body is ValueError:
                    return self._send(400, [_error("ERREUR_VALIDATION", "JSON invalide.")])
                if path == "/atp/v1/tiersPrestations/particulier":
                    return self._send(*state.register(body))
                if path == "/atp/v1/tiersPrestations/demandePaiement":
                    return self._send(*self._submit(body, caller))
                if path == "/atp/v1/tiersPrestations/demandePaiement/rechercher":
                    return self._send(*state.search(body, caller))
            return self._send(404, {"error": "not_found"})
        except Exception:  # the stand-in must answer, like the real API, with a 500 and no trace
            logger.exception("%s %s failed", method, path)
            return self._send(500, {"error": "internal"})

    def _submit(self, body, caller: str) -> tuple[int, object]:
        """Duplicates of an invoice number (already sent, or twice in the same call) are refused."""
        state = self.state
        if isinstance(body, list) and 0 < len(body) <= 10:
            seen: set = set()
            duplicates = []
            for index, item in enumerate(body):
                if isinstance(item, dict):
                    key = (caller, str(item.get("idTiersFacturation")), str(item.get("numFactureTiers")))
                    if key in state.invoices or key in seen:
                        duplicates.append(index)
                    seen.add(key)
            if duplicates:
                rest_items = [item for i, item in enumerate(body) if i not in duplicates]
                status, results = state.submit(rest_items, caller) if rest_items else (200, [])
                if status != 200:
                    return status, results
                merged, rest = [], iter(results)
                for index in range(len(body)):
                    merged.append({"errors": [_error("ERR_FACTURE_DOUBLON")]} if index in duplicates else next(rest))
                return 200, merged
        return state.submit(body, caller)

    def _token(self) -> None:
        raw = self._body().decode("utf-8", "replace")
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return self._send(401, {"error": "invalid_client"})
        if form.get("grant_type") != "client_credentials":
            return self._send(400, {"error": "unsupported_grant_type"})
        if SCOPE not in form.get("scope", "").split():
            return self._send(400, {"error": "invalid_scope"})
        with self.state.lock:
            token = self.state.issue_token(client_id, client_secret)
        if token is None:
            return self._send(401, {"error": "invalid_client"})
        return self._send(
            200, {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "scope": SCOPE}
        )

    def _control(self, method: str, path: str) -> None:
        state = self.state
        if method == "GET" and path == "/__control/health":
            return self._send(200, {"ok": True})
        if method != "POST":
            return self._send(404, {"error": "not_found"})
        body = self._json()
        if body is ValueError or not isinstance(body, (dict, type(None))):
            return self._send(400, {"error": "a JSON object is expected"})
        body = body or {}
        parts = path.split("/")[2:]
        with state.lock:
            if parts == ["reset"]:
                state.reset()
                return self._send(200, {"ok": True})
            if parts == ["tokens", "expire"]:
                state.tokens.clear()
                return self._send(200, {"ok": True})
            if parts == ["fail-next"]:
                count, status = body.get("count", 1), body.get("status", 503)
                if not isinstance(count, int) or not isinstance(status, int) or not 0 <= count <= 1000:
                    return self._send(400, {"error": "count and status must be integers"})
                state.fail_next, state.fail_status = count, status
                return self._send(200, {"ok": True})
            if parts == ["clock", "advance"]:
                hours = body.get("hours", 0)
                if not isinstance(hours, (int, Decimal)) or not 0 <= hours <= 24 * 3660:
                    return self._send(400, {"error": "hours must be a number ≥ 0"})
                state.clock_offset += dt.timedelta(hours=float(hours))
                return self._send(200, {"now": state.now().isoformat()})
            if len(parts) == 3 and parts[0] == "clients":
                client = state.clients.get(parts[1])
                if client is None:
                    return self._send(404, {"error": "unknown client"})
                code = "APPAREILLAGE_VALIDE" if parts[2] == "activate" else body.get("code")
                if parts[2] not in ("activate", "status") or code not in CLIENT_STATUSES:
                    return self._send(400, {"error": f"code must be one of {sorted(CLIENT_STATUSES)}"})
                client["status"] = code
                return self._send(200, {"idClient": parts[1], "statut": code})
            if len(parts) == 3 and parts[0] == "payment-requests" and parts[2] == "status":
                return self._send(*state.set_request_status(parts[1], body))
        return self._send(404, {"error": "not_found"})


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def make_server(host: str, port: int, credentials: dict[str, str] | None = None) -> ThreadingHTTPServer:
    state = State(credentials or {TEST_CLIENT_ID: TEST_CLIENT_SECRET})
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--client-id", default=TEST_CLIENT_ID)
    parser.add_argument("--client-secret", default=TEST_CLIENT_SECRET)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s urssaf-stand-in %(message)s")
    server = make_server(args.host, args.port, {args.client_id: args.client_secret})
    logger.info("serving on http://%s:%s", args.host, args.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


free_port = background.free_port


def wait_until_ready(base_url: str, process: subprocess.Popen | None = None, timeout: float = 20.0) -> None:
    """Poll `/__control/health` until the server answers, or fail."""
    background.wait_until_ready(
        base_url + "/__control/health", name="the URSSAF stand-in", process=process, timeout=timeout
    )


def start_in_background(port: int | None = None, *, log_file=None, attempts: int = 3) -> tuple[subprocess.Popen, str]:
    """Start the server in a subprocess on 127.0.0.1:`port` (a free one if None); wait until it
    answers; return `(process, base_url)`. Stop it with `stop(process)`."""
    return background.start("devtools.urssaf_server", ready=wait_until_ready, started=_started, port=port, log_file=log_file,
                            attempts=attempts)  # fmt: skip


def stop(process: subprocess.Popen | None = None, timeout: float = 10.0) -> None:
    """Stop `process` (or every server this module started): SIGTERM, then SIGKILL."""
    background.stop(process, _started, timeout=timeout)


def control(base_url: str, path: str, payload: dict | None = None) -> dict:
    """POST a JSON control (`path` under /__control/, e.g. "clients/<id>/activate") and return its answer."""
    request = urllib.request.Request(
        f"{base_url}/__control/{path.lstrip('/')}",
        data=json.dumps(payload or {}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


if __name__ == "__main__":
    main()
