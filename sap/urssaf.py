"""Our client of the URSSAF « API Tiers de prestation » (avance immédiate de crédit d'impôt).

Settings-free: build one `UrssafClient(base_url, client_id, client_secret)` per structure (the AI's
credentials) and call it outside any database transaction (STYLE.md: no network call under a lock):

    client = UrssafClient(settings.URSSAF_API_BASE, client_id, client_secret)
    id_client = client.register_client(ClientIdentity(...))       # → "APPAREILLAGE_EC"
    client.client_status(id_client)                               # ClientStatus(code="APPAREILLAGE_VALIDE", …)
    sent = client.submit_payment_request(PaymentRequestInput(...))  # SubmittedRequest(id=…, status="10")
    client.search_payment_requests(ids=[sent.id])                 # [PaymentRequestStatus(…)]
    client.search_payment_requests(start=date(2026, 1, 1), end=date(2026, 1, 31))

Every method returns plain dataclasses of this module, or raises (sap.exceptions, re-exported here):

* `UrssafRefused` — a 4xx, or the request's item in error: permanent; `.urssaf_code` is the
  URSSAF's code (e.g. "ERR_DGFIP_IMPOTPART_INCONNU"), `.message` a French sentence for staff,
  `.errors` the full list;
* `UrssafUnavailable` — 5xx, time-outs and connection errors after `retries` retries with
  exponential backoff (`backoff`, `2 × backoff`, `4 × backoff` … seconds): try again later.

Both subclass `UrssafError` (a `sap.exceptions.SapError`, hence a hub DomainError).

The OAuth2 token (client credentials) is cached per instance until 60 s before it expires, and
fetched again once when a call answers 401. Idempotency: registering the same person again gives
back the same idClient (so a retried registration is harmless); a payment request is keyed by its
invoice number, which the URSSAF refuses twice (ERR_FACTURE_DOUBLON) — when that refusal follows a
retry of our own (the first attempt may have been recorded before the connection dropped),
`submit_payment_request` looks the invoice up by its date and returns the request already there.

Calls are logged (method, path, status, duration) on the "sap.urssaf" logger, never a payload:
they carry names, birth dates and IBANs.
"""

import dataclasses
import datetime as dt
import json
import logging
import secrets
import time
from decimal import Decimal, InvalidOperation

import requests

from sap.exceptions import UrssafError, UrssafRefused, UrssafUnavailable

__all__ = [
    "CLIENT_STATUSES",
    "PAYMENT_REQUEST_STATUSES",
    "REJECT_REASONS",
    "ClientIdentity",
    "ClientStatus",
    "PaymentRequestInput",
    "PaymentRequestLine",
    "PaymentRequestStatus",
    "PostalAddress",
    "StatusInfo",
    "SubmittedRequest",
    "UrssafClient",
    "UrssafError",
    "UrssafRefused",
    "UrssafUnavailable",
]

logger = logging.getLogger("sap.urssaf")

TOKEN_PATH = "/api/oauth/v1/token"
CLIENT_PATH = "/atp/v1/tiersPrestations/particulier"
PAYMENT_REQUEST_PATH = "/atp/v1/tiersPrestations/demandePaiement"
SEARCH_PATH = "/atp/v1/tiersPrestations/demandePaiement/rechercher"
SCOPE = "homeplus.tiersprestations"
TOKEN_MARGIN = 60  # seconds before expiry when a cached token is renewed
SEARCH_MAX_IDS = 10
FRANCE = "99100"  # INSEE code of France as a country


# --- Status codes -------------------------------------------------------------------------------------


class Kind:
    """What a payment-request status means for the provider (the lead maps these to model states)."""

    WAITING = "waiting"
    VALIDATED = "validated"
    REFUSED = "refused"
    DEBITED = "debited"
    DEBIT_FAILED = "debit_failed"
    PAID = "paid"
    CANCELLED = "cancelled"


@dataclasses.dataclass(frozen=True)
class StatusInfo:
    code: str
    label: str
    kind: str
    final: bool = False


PAYMENT_REQUEST_STATUSES: dict[str, StatusInfo] = {
    info.code: info
    for info in (
        StatusInfo("10", "Intégrée", Kind.WAITING),
        StatusInfo("20", "En attente de validation", Kind.WAITING),  # the client has 48 h, then validated
        StatusInfo("30", "Validée", Kind.VALIDATED),
        StatusInfo("40", "Refusée", Kind.REFUSED, final=True),  # refused/contested by the client: infoRejet
        StatusInfo("50", "Prélevée", Kind.DEBITED),
        StatusInfo("60", "En refus de prélèvement", Kind.DEBIT_FAILED),
        StatusInfo("70", "Payée", Kind.PAID, final=True),  # transfer to the provider: infoVirement
        StatusInfo("110", "Annulée", Kind.CANCELLED, final=True),  # by the provider
        StatusInfo("111", "Annulée après impayé", Kind.CANCELLED, final=True),
        StatusInfo("112", "Annulée après recouvrement", Kind.CANCELLED, final=True),
        # the client's share recovered after a refused debit; the provider's side does not change (assumed)
        StatusInfo("120", "Recouvrée", Kind.DEBITED, final=True),
    )
}

# infoRejet.code of a request refused by the client (40) or cancelled (110): family → label
REJECT_REASONS: dict[str, str] = {
    "REGUL_MNT_FACT": "Régularisation : montant facturé",
    "REGUL_NB_QTE_FACT": "Régularisation : quantité facturée",
    "REGUL_PRESTA_FACT": "Régularisation : prestation facturée",
    "REGUL_AUTRE": "Régularisation : autre motif",
    "CONTEST_ERR_FACT": "Contestation : erreur de facturation",
    "CONTEST_FACT_REGLEE": "Contestation : facture déjà réglée",
    "CONTEST_AUTRE": "Contestation : autre motif",
    "ANNUL_DBL": "Annulation : doublon",
    "ANNUL_ERR_MNT": "Annulation : erreur de montant",
    "ANNUL_ERR_TECH": "Annulation : erreur technique",
    "ANNUL_AUTRE": "Annulation : autre motif",
}


class ClientKind:
    PENDING = "pending"  # waiting for the person to activate their URSSAF account
    ACTIVE = "active"
    NOT_FINALISED = "not_finalised"
    BLOCKED = "blocked"
    EXPIRED = "expired"  # SEPA mandate expired: the person renews it in their URSSAF space


CLIENT_STATUSES: dict[str, StatusInfo] = {
    info.code: info
    for info in (
        StatusInfo("APPAREILLAGE_EC", "Inscription en attente d'activation", ClientKind.PENDING),
        StatusInfo("APPAREILLAGE_VALIDE", "Inscription confirmée", ClientKind.ACTIVE),
        StatusInfo("APPAREILLAGE_NF", "Inscription non finalisée", ClientKind.NOT_FINALISED, final=True),
        StatusInfo("PARTICULIER_BLOQUE", "Particulier bloqué", ClientKind.BLOCKED),
        StatusInfo("MANDAT_ECHU", "Mandat expiré", ClientKind.EXPIRED),
    )
}


# --- Inputs -------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PostalAddress:
    """`adressePostale`: a street (type code such as "R" or "AV" and name), or a complement, or a lieu-dit."""

    city_label: str  # libelleCommune
    city_code: str  # codeCommune (INSEE, not the postcode)
    postcode: str  # codePostal
    street_number: str = ""  # numeroVoie
    street_letter: str = ""  # lettreVoie (B, T, Q…)
    street_type_code: str = ""  # codeTypeVoie
    street_name: str = ""  # libelleVoie
    complement: str = ""
    locality: str = ""  # lieuDit
    country_code: str = FRANCE  # codePays (INSEE)


@dataclasses.dataclass(frozen=True)
class ClientIdentity:
    """What the URSSAF needs to register a person (civil status as on their tax notice)."""

    civility: str  # "1" man, "2" woman
    birth_name: str
    first_names: str  # all of them, as on the tax notice
    birth_date: dt.date
    birth_country_code: str  # INSEE, 99100 = France
    birth_commune_label: str
    mobile_phone: str
    email: str
    address: PostalAddress
    iban: str
    bic: str
    account_holder: str
    usage_name: str = ""
    birth_department: str = ""  # "75", "2A", "971"; required when born in France
    birth_commune_code: str = ""  # INSEE; required when born in France

    def to_api(self) -> dict:
        place: dict = {
            "codePaysNaissance": self.birth_country_code,
            "communeNaissance": {"libelleCommune": self.birth_commune_label},
        }
        if self.birth_department:
            place["departementNaissance"] = self.birth_department
        if self.birth_commune_code:
            place["communeNaissance"]["codeCommune"] = self.birth_commune_code
        a = self.address
        address = {
            "numeroVoie": a.street_number,
            "lettreVoie": a.street_letter,
            "codeTypeVoie": a.street_type_code,
            "libelleVoie": a.street_name,
            "complement": a.complement,
            "lieuDit": a.locality,
            "libelleCommune": a.city_label,
            "codeCommune": a.city_code,
            "codePostal": a.postcode,
            "codePays": a.country_code,
        }
        payload = {
            "civilite": self.civility,
            "nomNaissance": self.birth_name,
            "nomUsage": self.usage_name,
            "prenoms": self.first_names,
            "dateNaissance": _api_datetime(self.birth_date),
            "lieuNaissance": place,
            "numeroTelephonePortable": self.mobile_phone.replace(" ", ""),
            "adresseMail": self.email,
            "adressePostale": {k: v for k, v in address.items() if v},
            "coordonneeBancaire": {
                "bic": self.bic.replace(" ", "").upper(),
                "iban": self.iban.replace(" ", "").upper(),
                "titulaire": self.account_holder,
            },
        }
        if not self.usage_name:
            del payload["nomUsage"]
        return payload


@dataclasses.dataclass(frozen=True)
class PaymentRequestLine:
    """One `inputPrestations` item: `quantity × unit_price == amount_ttc`, `amount_ht + amount_vat == amount_ttc`."""

    nature_code: str  # codeNature of the service (URSSAF referential)
    quantity: Decimal  # hours (unit HEURE) or 1 (FORFAIT)
    unit: str  # "HEURE" | "FORFAIT"
    unit_price: Decimal  # mntUnitaireTTC
    amount_ttc: Decimal
    amount_ht: Decimal
    amount_vat: Decimal = Decimal("0.00")  # the AI is VAT-exempt
    activity_code: str = ""  # codeActivite (optional, URSSAF referential)
    complement1: str = ""
    complement2: str = ""  # e.g. the SAP declaration number

    def to_api(self) -> dict:
        payload = {
            "codeNature": self.nature_code,
            "quantite": _Money(self.quantity),
            "unite": self.unit,
            "mntUnitaireTTC": _Money(self.unit_price),
            "mntPrestationTTC": _Money(self.amount_ttc),
            "mntPrestationHT": _Money(self.amount_ht),
            "mntPrestationTVA": _Money(self.amount_vat),
        }
        if self.activity_code:
            payload["codeActivite"] = self.activity_code
        if self.complement1:
            payload["complement1"] = self.complement1
        if self.complement2:
            payload["complement2"] = self.complement2
        return payload


@dataclasses.dataclass(frozen=True)
class PaymentRequestInput:
    """One payment request (demande de paiement): one invoice of one calendar month."""

    provider_billing_id: str  # idTiersFacturation (the provider's id at the URSSAF)
    client_id: str  # idClient returned by the registration
    client_birth_date: dt.date
    invoice_number: str  # numFactureTiers, unique per provider
    invoice_date: dt.date
    period_start: dt.date  # dateDebutEmploi
    period_end: dt.date  # dateFinEmploi, same calendar month
    total_ttc: Decimal
    total_ht: Decimal
    lines: tuple[PaymentRequestLine, ...]

    def to_api(self) -> dict:
        return {
            "idTiersFacturation": self.provider_billing_id,
            "idClient": self.client_id,
            "dateNaissanceClient": _api_datetime(self.client_birth_date),
            "numFactureTiers": self.invoice_number,
            "dateFacture": _api_datetime(self.invoice_date),
            "dateDebutEmploi": _api_datetime(self.period_start),
            "dateFinEmploi": _api_datetime(self.period_end),
            "mntFactureTTC": _Money(self.total_ttc),
            "mntFactureHT": _Money(self.total_ht),
            "inputPrestations": [line.to_api() for line in self.lines],
        }


# --- Outputs ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ClientStatus:
    id_client: str
    code: str  # APPAREILLAGE_EC, APPAREILLAGE_VALIDE, …
    label: str  # our French label (CLIENT_STATUSES), else the URSSAF's description
    description: str  # the URSSAF's
    state: str  # statut.etat, as the URSSAF gives it
    kind: str  # ClientKind, "" for an unknown code

    @property
    def is_active(self) -> bool:
        return self.code == "APPAREILLAGE_VALIDE"


@dataclasses.dataclass(frozen=True)
class SubmittedRequest:
    id: str  # idDemandePaiement
    status: str  # "10" when accepted


@dataclasses.dataclass(frozen=True)
class PaymentRequestStatus:
    id: str
    invoice_number: str
    status_code: str
    status_label: str
    reject_code: str  # infoRejet.code, "" when none
    reject_comment: str
    transfer_amount: Decimal | None  # infoVirement.mntVirement (status 70)
    transfer_date: dt.date | None  # infoVirement.dateVirement
    raw: dict = dataclasses.field(repr=False, compare=False, default_factory=dict)

    @property
    def kind(self) -> str:
        info = PAYMENT_REQUEST_STATUSES.get(self.status_code)
        return info.kind if info else ""

    @property
    def final(self) -> bool:
        info = PAYMENT_REQUEST_STATUSES.get(self.status_code)
        return bool(info and info.final)


# --- Serialization ------------------------------------------------------------------------------------


class _Money:
    """A Decimal written in JSON as a number with exactly two decimals (12.50, not "12.50" nor 12.5)."""

    def __init__(self, value) -> None:
        try:
            self.value = Decimal(value).quantize(Decimal("0.01"))
        except (InvalidOperation, TypeError, ValueError) as exc:
            raise ValueError(f"not an amount: {value!r}") from exc
        if not self.value.is_finite():
            raise ValueError(f"not an amount: {value!r}")


def _api_datetime(value: dt.date) -> str:
    """Dates as the ISO datetimes public clients send ("1980-04-02T00:00:00Z")."""
    return f"{value.isoformat()}T00:00:00Z"


def _dumps(payload) -> str:
    token = secrets.token_hex(8)
    text = json.dumps(
        payload, ensure_ascii=False, default=lambda o: f"{token}{o.value}{token}" if isinstance(o, _Money) else _fail(o)
    )
    return text.replace(f'"{token}', "").replace(f'{token}"', "")


def _fail(value):
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _to_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _to_date(value) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


# --- The client ---------------------------------------------------------------------------------------


class UrssafClient:
    """One structure's connection to the API (see the module docstring). Not shared between threads:
    build one per task or request (the token cache is per instance)."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 10,
        retries: int = 3,
        backoff: float = 0.5,
        session: requests.Session | None = None,
    ) -> None:
        if not base_url:
            raise ValueError("URSSAF base_url is empty (URSSAF_API_BASE not configured)")
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.session = session or requests.Session()
        self._token: str | None = None
        self._token_expires = 0.0

    # --- public API ----------------------------------------------------------------------------------
    def register_client(self, identity: ClientIdentity) -> str:
        """Register a person for the immediate advance; return their idClient (APPAREILLAGE_EC until
        they activate their URSSAF account: follow it with `client_status`)."""
        data, _ = self._call("POST", CLIENT_PATH, json_body=identity.to_api())
        if not isinstance(data, dict) or not data.get("idClient"):
            raise UrssafUnavailable("registration answered without idClient")
        return str(data["idClient"])

    def client_status(self, id_client: str) -> ClientStatus:
        data, _ = self._call("GET", CLIENT_PATH, params={"idClient": id_client})
        statut = (data or {}).get("statut") or {}
        code = str(statut.get("code", ""))
        info = CLIENT_STATUSES.get(code)
        return ClientStatus(
            id_client=id_client,
            code=code,
            label=info.label if info else str(statut.get("description", code)),
            description=str(statut.get("description", "")),
            state=str(statut.get("etat", "")),
            kind=info.kind if info else "",
        )

    def submit_payment_request(self, request: PaymentRequestInput) -> SubmittedRequest:
        """Send one payment request; return its id and status ("10"). A refused item raises UrssafRefused."""
        data, retried = self._call("POST", PAYMENT_REQUEST_PATH, json_body=[request.to_api()])
        item = data[0] if isinstance(data, list) and data else None
        if not isinstance(item, dict):
            raise UrssafUnavailable("payment request answered without an item")
        errors = item.get("errors")
        if errors:
            first = errors[0] if isinstance(errors[0], dict) else {}
            if retried and first.get("code") == "ERR_FACTURE_DOUBLON":
                for found in self.search_payment_requests(start=request.invoice_date, end=request.invoice_date):
                    if found.invoice_number == request.invoice_number:
                        return SubmittedRequest(id=found.id, status=found.status_code)
            raise UrssafRefused(first.get("code", ""), first.get("message", ""), first.get("description", ""), errors)
        return SubmittedRequest(id=str(item["idDemandePaiement"]), status=str(item.get("statut", "10")))

    def search_payment_requests(
        self, ids: list[str] | None = None, *, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[PaymentRequestStatus]:
        """The current state of payment requests, by id (any number: sent 10 at a time) or by invoice
        date (`start`/`end`, inclusive). No match → []."""
        if ids:
            bodies = [
                {"idDemandePaiements": list(ids[i : i + SEARCH_MAX_IDS])} for i in range(0, len(ids), SEARCH_MAX_IDS)
            ]
        elif start or end:
            body = {}
            if start:
                body["dateDebut"] = _api_datetime(start)
            if end:
                body["dateFin"] = _api_datetime(end)
            bodies = [body]
        else:
            raise ValueError("search_payment_requests needs ids, or start/end")
        results = []
        for body in bodies:
            try:
                data, _ = self._call("POST", SEARCH_PATH, json_body=body)
            except UrssafRefused as refusal:
                if refusal.urssaf_code == "ERR_RECHERCHE_VIDE":
                    continue
                raise
            data = data if isinstance(data, dict) else {}
            infos = data.get("infoDemandePaiements") or []
            errors = [e for e in data.get("Errors") or data.get("errors") or [] if isinstance(e, dict)]
            if not infos and errors:  # errors in a 200 answer ("Errors" in public integrations' types)
                if errors[0].get("code") == "ERR_RECHERCHE_VIDE":
                    continue
                first = errors[0]
                raise UrssafRefused(
                    str(first.get("code", "")),
                    str(first.get("message") or ""),
                    str(first.get("description") or ""),
                    errors,
                )
            results.extend(self._parse_status(info) for info in infos if isinstance(info, dict))
        return results

    # --- internals ---------------------------------------------------------------------------------
    @staticmethod
    def _parse_status(info: dict) -> PaymentRequestStatus:
        statut = info.get("statut") or {}
        if not isinstance(statut, dict):
            statut = {"code": statut}
        code = str(statut.get("code", ""))
        reject = info.get("infoRejet") or {}
        transfer = info.get("infoVirement") or {}
        known = PAYMENT_REQUEST_STATUSES.get(code)
        sent = info.get("demandePaiement") if isinstance(info.get("demandePaiement"), dict) else {}
        return PaymentRequestStatus(
            id=str(info.get("idDemandePaiement", "")),
            invoice_number=str(sent.get("numFactureTiers") or info.get("numFactureTiers") or ""),
            status_code=code,
            status_label=known.label if known else str(statut.get("libelle", code)),
            reject_code=str(reject.get("code") or ""),
            reject_comment=str(reject.get("commentaire") or ""),
            transfer_amount=_to_decimal(transfer.get("mntVirement")),
            transfer_date=_to_date(transfer.get("dateVirement")),
            raw=info,
        )

    def _token_header(self) -> dict:
        if self._token is None or time.monotonic() >= self._token_expires:
            self._fetch_token()
        return {"Authorization": f"Bearer {self._token}"}

    def _fetch_token(self) -> None:
        response = self._send(
            "POST",
            TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "scope": SCOPE,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
        )[0]
        if response.status_code in (400, 401, 403):
            raise UrssafRefused("invalid_client", self._oauth_error(response), http_status=response.status_code)
        if response.status_code != 200:
            raise UrssafRefused(f"HTTP_{response.status_code}", "token", http_status=response.status_code)
        try:
            data = response.json()
            token, lifetime = data["access_token"], float(data.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError) as exc:
            raise UrssafUnavailable("token answer unreadable") from exc
        self._token = token
        self._token_expires = time.monotonic() + max(0.0, lifetime - TOKEN_MARGIN)

    @staticmethod
    def _oauth_error(response: requests.Response) -> str:
        try:
            return str(response.json().get("error", ""))
        except (ValueError, AttributeError):
            return ""

    def _call(self, method: str, path: str, *, json_body=None, params=None):
        """One API call: token, retries, one token refresh on 401, errors raised. Returns (data, retried)."""
        body = _dumps(json_body).encode() if json_body is not None else None
        headers = {"Content-Type": "application/json", "Accept": "application/json"} if body is not None else {}
        refreshed = False
        while True:
            response, retried = self._send(
                method, path, data=body, params=params, headers={**headers, **self._token_header()}
            )
            if response.status_code == 401 and not refreshed:
                self._token, refreshed = None, True
                continue
            break
        if 200 <= response.status_code < 300:
            try:
                return (response.json(parse_float=Decimal) if response.content else None), retried
            except ValueError as exc:
                raise UrssafUnavailable("answer is not JSON") from exc
        raise self._refusal(response)

    @staticmethod
    def _refusal(response: requests.Response) -> UrssafRefused:
        try:
            data = response.json()
        except ValueError:
            data = None
        errors = (
            data
            if isinstance(data, list)
            else ((data.get("errors") or data.get("Errors")) if isinstance(data, dict) else None)
        )
        errors = [e for e in errors or [] if isinstance(e, dict)]
        if response.status_code == 401:
            return UrssafRefused("invalid_client", "unauthorized", errors=errors, http_status=401)
        if not errors:
            return UrssafRefused(f"HTTP_{response.status_code}", "", errors=None, http_status=response.status_code)
        first = errors[0]
        return UrssafRefused(
            str(first.get("code", "")),
            str(first.get("message") or ""),
            str(first.get("description") or ""),
            errors,
            http_status=response.status_code,
        )

    def _send(self, method: str, path: str, **kwargs) -> tuple[requests.Response, bool]:
        """Send with retries on 5xx, time-outs and connection errors; return (response, retried)."""
        url = self.base_url + path
        last_error = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            started = time.monotonic()
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except (requests.Timeout, requests.ConnectionError) as exc:
                last_error = type(exc).__name__
                logger.warning("URSSAF %s %s failed (%s) in %.0f ms", method, path, last_error, _ms(started))
                continue
            logger.info("URSSAF %s %s → %s in %.0f ms", method, path, response.status_code, _ms(started))
            if response.status_code >= 500:
                last_error = f"HTTP {response.status_code}"
                continue
            return response, attempt > 0
        raise UrssafUnavailable(f"{method} {path}: {last_error} after {self.retries + 1} attempts")


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000
