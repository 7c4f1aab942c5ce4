"""Stripe Connect for localstripe: connected accounts, transfers, transfer reversals, destination charges.

localstripe (a fake, stateful Stripe server on aiohttp) has no Connect. This module adds what
DOMAIN.md rules 5–7 use, following localstripe's own conventions (objects are `StripeObject`
subclasses kept in its `store`, validation raises `UserError` *before* `super().__init__()` stores
the object, routes are built with `localstripe.server.api_*`):

* new resources: `Account` (/v1/accounts), `Transfer` (/v1/transfers, filtered by
  `transfer_group` or `destination`), `TransferReversal` (/v1/transfers/{id}/reversals);
* PaymentIntent patched in place: accepts and echoes `transfer_data`, `on_behalf_of`,
  `transfer_group`, `application_fee_amount` (and `description`); its charge carries them, and a
  destination charge creates its `Transfer` when it succeeds;
* Refund patched in place: `reverse_transfer=true` reverses the destination charge's transfer;
* two routes that localstripe bound at import time are taken over by a middleware: confirming a
  PaymentIntent with `payment_method`, and the fake Stripe.js `confirmCardPayment` on a
  PaymentIntent created without a payment method (see `_route_overrides`);
* `DELETE /_config/webhooks/{id}` unregisters a webhook endpoint;
* `POST /_config/balances` (`account`, empty for the platform, and `amount` in cents) sets what an
  account held before this server started — the demo's history, seeded offline, is then the
  balance's opening figure (a stand-in's configuration, like `/_config/webhooks`, not Stripe's API);
* `GET /v1/balance` (localstripe's answers a fixed 20 €) computes the balance of the platform, or of
  the connected account named by the `Stripe-Account` header, from the charges, refunds,
  transfers, reversals, fees and payouts the server holds (all `available`, `pending` empty).

Only `install()` changes anything; it is idempotent. Error messages follow Stripe's style but are
ours (code `resource_missing` / param names as Stripe documents them), not byte-for-byte Stripe's.
"""

import re

from aiohttp import web
from localstripe import server, webhooks
from localstripe.errors import UserError
from localstripe.resources import (
    Event,
    List,
    PaymentIntent,
    PaymentMethod,
    Refund,
    StripeObject,
    store,
    try_convert_to_bool,
    try_convert_to_int,
)
from localstripe.webhooks import schedule_webhook

ACCOUNT_TYPES = ("express", "custom", "standard")

_type = type  # `type` is a parameter name in Account, as in localstripe's resources
_installed = False


def _bad_request(message: str, param: str | None = None, code: str = "parameter_invalid") -> UserError:
    contents = {"code": code}
    if param is not None:
        contents["param"] = param
    return UserError(400, message, contents)


def _missing(kind: str, id_: object, param: str) -> UserError:
    return UserError(400, f"No such {kind}: '{id_}'", {"code": "resource_missing", "param": param})


def _positive_int(value, param: str, *, allow_zero: bool = False) -> int:
    value = try_convert_to_int(value)
    if type(value) is not int or value < 0 or (value == 0 and not allow_zero):
        raise _bad_request(f"Invalid {param}: must be a {'non-negative' if allow_zero else 'positive'} integer", param)
    return value


def _metadata(value, param: str = "metadata") -> dict:
    if value in (None, ""):
        return {}
    if type(value) is not dict:
        raise _bad_request("Invalid metadata: must be a hash", param)
    return value


def _retrieve_account(id_, param: str) -> "Account":
    if type(id_) is not str or not id_.startswith(Account._id_prefix) or store.get("account:" + id_) is None:
        raise _missing("destination" if "destination" in param else "account", id_, param)
    return store["account:" + id_]


# --------------------------------------------------------------------------------------------
# New resources
# --------------------------------------------------------------------------------------------


class Account(StripeObject):
    """A connected account: one per selling structure. Always fully onboarded here."""

    object = "account"
    _id_prefix = "acct_"

    def __init__(
        self,
        type=None,
        country=None,
        email=None,
        business_type=None,
        business_profile=None,
        capabilities=None,
        controller=None,
        default_currency=None,
        metadata=None,
        **kwargs,
    ):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        if type not in ACCOUNT_TYPES:
            raise _bad_request(f"Invalid type: must be one of {', '.join(ACCOUNT_TYPES)}", "type")
        for name, value in (("business_profile", business_profile), ("capabilities", capabilities)):
            if value is not None and _type(value) is not dict:
                raise _bad_request(f"Invalid {name}: must be a hash", name)
        if controller is not None and _type(controller) is not dict:
            raise _bad_request("Invalid controller: must be a hash", "controller")
        metadata = _metadata(metadata)

        # All exceptions must be raised before this point.
        super().__init__()

        self.type = type
        self.country = country or "FR"
        self.default_currency = default_currency or "eur"
        self.email = email
        self.business_type = business_type
        self.business_profile = business_profile or {}
        self.controller = controller or {}
        # Every requested capability is active at once: there is no onboarding to go through.
        self.capabilities = dict.fromkeys(capabilities or {"card_payments": 1, "transfers": 1}, "active")
        self.charges_enabled = True
        self.payouts_enabled = True
        self.details_submitted = True
        self.requirements = {"currently_due": [], "eventually_due": [], "past_due": [], "disabled_reason": None}
        self.metadata = metadata

    @classmethod
    def _api_list_all(cls, url, limit=None, starting_after=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        li = super()._api_list_all(url, limit=limit, starting_after=starting_after)
        li._list.reverse()  # newest first, as Stripe lists
        return li


class Transfer(StripeObject):
    """Money moved from the platform balance to a connected account (`destination`)."""

    object = "transfer"
    _id_prefix = "tr_"

    def __init__(
        self,
        amount=None,
        currency=None,
        destination=None,
        description=None,
        metadata=None,
        source_transaction=None,
        source_type=None,
        transfer_group=None,
        **kwargs,
    ):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        amount = _positive_int(amount, "amount")
        if _type(currency) is not str or not currency:
            raise _bad_request("Missing required param: currency.", "currency", "parameter_missing")
        currency = currency.lower()
        if destination is None:
            raise _bad_request("Missing required param: destination.", "destination", "parameter_missing")
        _retrieve_account(destination, "destination")
        if transfer_group is not None and (_type(transfer_group) is not str or not transfer_group):
            raise _bad_request("Invalid transfer_group: must be a string", "transfer_group")
        if description is not None and _type(description) is not str:
            raise _bad_request("Invalid description: must be a string", "description")
        metadata = _metadata(metadata)
        if source_transaction is not None:
            charge = store.get("charge:" + str(source_transaction))
            if charge is None:
                raise _missing("charge", source_transaction, "source_transaction")
            if charge.status != "succeeded" or not charge.captured:
                raise _bad_request(
                    f"The source_transaction {charge.id} has not succeeded: funds cannot be transferred from it.",
                    "source_transaction",
                )
            if charge.currency.lower() != currency:
                raise _bad_request(
                    f"The currency of the transfer ({currency}) must match that of the source_transaction "
                    f"({charge.currency}).",
                    "currency",
                )
            available = charge.amount - sum(
                t.amount - t.amount_reversed for t in _transfers() if t.source_transaction == charge.id
            )
            if amount > available:
                raise _bad_request(
                    f"Transfer amount ({amount}) exceeds what remains of source_transaction {charge.id} ({available}).",
                    "amount",
                    "amount_too_large",
                )

        # All exceptions must be raised before this point.
        super().__init__()

        self.amount = amount
        self.currency = currency
        self.destination = destination
        self.description = description
        self.metadata = metadata
        self.source_transaction = source_transaction
        self.source_type = source_type or "card"
        self.transfer_group = transfer_group
        self.balance_transaction = None
        self.destination_payment = None

        schedule_webhook(Event("transfer.created", self))

    @property
    def amount_reversed(self):
        return sum(r.amount for r in _reversals(self.id))

    @property
    def reversed(self):
        return self.amount_reversed >= self.amount

    @property
    def reversals(self):
        li = List("/v1/transfers/" + self.id + "/reversals")
        li._list = _reversals(self.id)
        return li

    def _reverse(self, amount=None, description=None, metadata=None, source_refund=None):
        remaining = self.amount - self.amount_reversed
        if remaining <= 0:
            raise _bad_request(f"Transfer {self.id} has already been fully reversed.", "amount")
        amount = remaining if amount is None else _positive_int(amount, "amount")
        if amount > remaining:
            raise _bad_request(
                f"Reversal amount ({amount}) is greater than the amount remaining on transfer {self.id} ({remaining}).",
                "amount",
                "amount_too_large",
            )
        reversal = TransferReversal(
            transfer=self, amount=amount, description=description, metadata=metadata, source_refund=source_refund
        )
        schedule_webhook(Event("transfer.reversed", self))
        return reversal

    @classmethod
    def _api_update(cls, id, **data):
        # Stripe only lets a transfer's description and metadata change.
        unexpected = set(data) - {"description", "metadata"}
        if unexpected:
            raise UserError(400, "Unexpected " + ", ".join(sorted(unexpected)))
        return super()._api_update(id, **data)

    @classmethod
    def _api_delete(cls, id):
        raise UserError(405, "Method Not Allowed")

    @classmethod
    def _api_list_all(cls, url, transfer_group=None, destination=None, limit=None, starting_after=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        li = List(url, limit=limit, starting_after=starting_after)
        li._list = [
            t
            for t in reversed(_transfers())  # newest first, as Stripe lists
            if (transfer_group is None or t.transfer_group == transfer_group)
            and (destination is None or t.destination == destination)
        ]
        return li

    @classmethod
    def _api_create_reversal(cls, id, amount=None, description=None, metadata=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        return cls._api_retrieve(id)._reverse(amount=amount, description=description, metadata=metadata)

    @classmethod
    def _api_list_reversals(cls, id, limit=None, starting_after=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        cls._api_retrieve(id)  # 404 if it does not exist
        li = List("/v1/transfers/" + id + "/reversals", limit=limit, starting_after=starting_after)
        li._list = list(reversed(_reversals(id)))
        return li


class TransferReversal(StripeObject):
    """A (partial) reversal of a transfer: money taken back from the connected account."""

    object = "transfer_reversal"
    _id_prefix = "trr_"

    def __init__(self, transfer=None, amount=None, description=None, metadata=None, source_refund=None, **kwargs):
        # Only built by `Transfer._reverse`, which validated amount; POST /v1/transfer_reversals does not exist.
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        if description is not None and _type(description) is not str:
            raise _bad_request("Invalid description: must be a string", "description")
        metadata = _metadata(metadata)

        # All exceptions must be raised before this point.
        super().__init__()

        self.amount = amount
        self.currency = transfer.currency
        self.transfer = transfer.id
        self.description = description
        self.metadata = metadata
        self.source_refund = source_refund
        self.balance_transaction = None
        self.destination_payment_refund = None


def _transfers() -> list[Transfer]:
    return [obj for key, obj in store.items() if key.startswith("transfer:")]


def _reversals(transfer_id: str) -> list[TransferReversal]:
    return [obj for key, obj in store.items() if key.startswith("transfer_reversal:") and obj.transfer == transfer_id]


# --------------------------------------------------------------------------------------------
# PaymentIntent and Refund, patched in place (their routes are bound to the classes at import)
# --------------------------------------------------------------------------------------------

_CONNECT_FIELDS = ("transfer_data", "on_behalf_of", "transfer_group", "application_fee_amount")
_ORIGINAL = {}


def _payment_intent_init(
    self,
    *args,
    transfer_data=None,
    on_behalf_of=None,
    transfer_group=None,
    application_fee_amount=None,
    description=None,
    **kwargs,
):
    # Why: localstripe's PaymentIntent rejects every Connect parameter with "Unexpected …".
    # We validate them before the original __init__ stores the object, then keep them as
    # attributes, so that create, retrieve, update and confirm all echo them.
    amount = try_convert_to_int(kwargs.get("amount"))
    if transfer_data is not None:
        if type(transfer_data) is not dict or set(transfer_data) - {"destination", "amount"}:
            raise _bad_request("Invalid transfer_data: expected destination and optional amount", "transfer_data")
        if "destination" not in transfer_data:
            raise _bad_request(
                "Missing required param: transfer_data[destination].", "transfer_data[destination]", "parameter_missing"
            )
        _retrieve_account(transfer_data["destination"], "transfer_data[destination]")
        transfer_data = dict(transfer_data)
        if "amount" in transfer_data:
            transfer_data["amount"] = _positive_int(transfer_data["amount"], "transfer_data[amount]")
            if type(amount) is int and transfer_data["amount"] > amount:
                raise _bad_request(
                    "transfer_data[amount] cannot exceed the amount of the PaymentIntent.", "transfer_data[amount]"
                )
    if on_behalf_of is not None:
        _retrieve_account(on_behalf_of, "on_behalf_of")
    if transfer_group is not None and (type(transfer_group) is not str or not transfer_group):
        raise _bad_request("Invalid transfer_group: must be a string", "transfer_group")
    if application_fee_amount is not None:
        application_fee_amount = _positive_int(application_fee_amount, "application_fee_amount", allow_zero=True)
        if transfer_data is None and on_behalf_of is None:
            raise _bad_request(
                "An application_fee_amount can only be set on a destination charge (transfer_data[destination]).",
                "application_fee_amount",
            )
        if transfer_data is not None and "amount" in transfer_data:
            raise _bad_request(
                "transfer_data[amount] and application_fee_amount cannot both be set.", "application_fee_amount"
            )
        if type(amount) is int and application_fee_amount > amount:
            raise _bad_request(
                "application_fee_amount cannot exceed the amount of the PaymentIntent.", "application_fee_amount"
            )
    if description is not None and type(description) is not str:
        raise _bad_request("Invalid description: must be a string", "description")

    _ORIGINAL["PaymentIntent.__init__"](self, *args, **kwargs)

    self.transfer_data = transfer_data
    self.on_behalf_of = on_behalf_of
    self.transfer_group = transfer_group
    self.application_fee_amount = application_fee_amount
    self.description = description


def _copy_connect_fields_to_charge(pi) -> None:
    # Why: a charge created by a PaymentIntent carries the PaymentIntent's Connect fields in
    # Stripe; localstripe's Charge knows none of them. Idempotent (called twice per charge).
    charge = pi.latest_charge
    if charge is None or getattr(charge, "_connect_copied", False):
        return
    if pi.transfer_data is not None and pi.transfer_group is None:
        # Stripe gives a destination charge a transfer group of its own.
        pi.transfer_group = "group_" + pi.id
    for field in _CONNECT_FIELDS:
        setattr(charge, field, getattr(pi, field))
    charge.transfer = None
    charge.application_fee = None
    charge.description = charge.description or pi.description
    charge._connect_copied = True


def _payment_intent_create_charge(self, on_failure_now):
    # Why: see _copy_connect_fields_to_charge; a failed or pending charge gets the fields too.
    try:
        _ORIGINAL["PaymentIntent._create_charge"](self, on_failure_now)
    finally:
        _copy_connect_fields_to_charge(self)


def _payment_intent_on_success(self):
    # Why: a destination charge moves its money to the connected account when it succeeds.
    # Runs before localstripe's own _on_success, so the payment_intent.succeeded event already
    # sees the charge's `transfer`.
    _copy_connect_fields_to_charge(self)
    charge = self.latest_charge
    if self.transfer_data is not None and charge.transfer is None:
        fee = self.application_fee_amount or 0
        amount = self.transfer_data.get("amount", charge.amount - fee)
        transfer = Transfer(
            amount=amount,
            currency=charge.currency,
            destination=self.transfer_data["destination"],
            source_transaction=charge.id,
            transfer_group=self.transfer_group,
        )
        charge.transfer = transfer.id
    _ORIGINAL["PaymentIntent._on_success"](self)


def _payment_intent_export(self, expand=None):
    # Why: Stripe returns `latest_charge` as an id unless it is expanded; localstripe inlines the
    # whole charge, which breaks code written for Stripe (e.g. `source_transaction=pi.latest_charge`).
    obj = _ORIGINAL["PaymentIntent._export"](self, expand=expand)
    expanded = any(path == "latest_charge" or path.startswith("latest_charge.") for path in expand or [])
    if isinstance(obj.get("latest_charge"), dict) and not expanded:
        obj["latest_charge"] = obj["latest_charge"]["id"]
    return obj


def _refund_api_create(cls, reverse_transfer=None, **data):
    # Why: localstripe's Refund rejects `reverse_transfer`. Refunding a destination charge with
    # reverse_transfer=true takes back from the connected account the same share of its transfer.
    reverse_transfer = try_convert_to_bool(reverse_transfer)
    if reverse_transfer not in (None, True, False):
        raise _bad_request("Invalid reverse_transfer: must be a boolean", "reverse_transfer")
    if not reverse_transfer:
        return _ORIGINAL["Refund._api_create"](**data)

    charge = None
    if type(data.get("charge")) is str:
        charge = store.get("charge:" + data["charge"])
    elif type(data.get("payment_intent")) is str:
        pi = store.get("payment_intent:" + data["payment_intent"])
        charge = pi.latest_charge if pi is not None else None
    if charge is None:  # let localstripe report what is wrong with charge / payment_intent
        return _ORIGINAL["Refund._api_create"](**data)
    transfer = store.get("transfer:" + str(getattr(charge, "transfer", None)))
    if transfer is None:
        raise _bad_request(
            f"Charge {charge.id} has no transfer to reverse: reverse_transfer is only for destination charges.",
            "reverse_transfer",
        )
    refund_amount = try_convert_to_int(data.get("amount"))
    if type(refund_amount) is not int:
        refund_amount = charge.amount - charge.amount_refunded
    remaining = transfer.amount - transfer.amount_reversed
    # The transfer's share of the refund, rounded half up (the whole transfer for a full refund).
    share = (2 * transfer.amount * refund_amount + charge.amount) // (2 * charge.amount)
    reversal_amount = min(remaining, share)
    if reversal_amount <= 0:
        raise _bad_request(f"Transfer {transfer.id} has already been fully reversed.", "reverse_transfer")

    refund = _ORIGINAL["Refund._api_create"](**data)
    reversal = transfer._reverse(amount=reversal_amount, source_refund=refund.id)
    refund.transfer_reversal = reversal.id
    return refund


# --------------------------------------------------------------------------------------------
# Routes localstripe bound at import time, taken over by a middleware
# --------------------------------------------------------------------------------------------


async def _confirm_with_payment_method(request, handler, id):
    """POST /v1/payment_intents/{id}/confirm: localstripe answers 500 "Not implemented" when a
    payment_method is given, the way the browser (and tests standing in for it) confirm."""
    data = await server.get_post_data(request) or {}
    data.update(server.unflatten_data(request.query) or {})
    payment_method = data.pop("payment_method", None)
    if payment_method is None:
        return await handler(request)
    expand = data.pop("expand", None)
    pi = PaymentIntent._api_retrieve(id)
    if pi.status not in ("requires_payment_method", "requires_confirmation"):
        raise _bad_request(f"This PaymentIntent's status is {pi.status}: it cannot be confirmed.", "payment_method")
    if type(payment_method) is not str:
        raise _bad_request("Invalid payment_method: must be an id", "payment_method")
    PaymentMethod._api_retrieve(payment_method)  # 404 if unknown
    pi.payment_method = payment_method
    return server.json_response(PaymentIntent._api_confirm(id=id, **data)._export(expand=expand))


async def _authenticate_without_payment_method(request, handler, id):
    """POST /v1/payment_intents/{id}/_authenticate is what the fake Stripe.js's confirmCardPayment
    calls (after its "3D Secure" dialog), whatever card the page collected. localstripe only
    accepts it for a PaymentIntent already in requires_action; a PaymentIntent created by our
    server has no payment method yet. Give it a test Visa card that asks for authentication, so
    the dialog's answer decides: success → charge succeeds, failure → requires_payment_method."""
    data = await server.get_post_data(request, remove_auth=False) or {}
    pi = store.get("payment_intent:" + id)
    if (
        pi is not None
        and data.get("client_secret") == pi.client_secret
        and pi.status in ("requires_payment_method", "requires_confirmation")
    ):
        card = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2034", "cvc": "123"}
        pi.payment_method = PaymentMethod(type="card", card=card).id
        pi.next_action = {
            "type": "use_stripe_sdk",
            "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": ""},
        }
    return await handler(request)


_openings: dict[str | None, int] = {}  # account (None: the platform) → cents held before the server started


def _balance_cents(account: str | None) -> int:
    """What Stripe would hold for the platform (account None) or a connected account, in cents."""
    transfers = _transfers()
    if account is not None:
        received = sum(t.amount - t.amount_reversed for t in transfers if t.destination == account)
        return _openings.get(account, 0) + received  # payouts of connected accounts are not simulated
    total = _openings.get(None, 0)
    for key, obj in store.items():
        if key.startswith("charge:") and obj.status == "succeeded" and obj.captured:
            fee = 0
            txn = store.get("balance_transaction:" + str(obj.balance_transaction))
            if txn is not None:
                fee = txn.fee
            total += obj.amount - fee
        elif (
            key.startswith("refund:")
            and obj.status == "succeeded"
            or key.startswith("payout:")
            and obj.status != "failed"
        ):
            total -= obj.amount
    total -= sum(t.amount - t.amount_reversed for t in transfers)
    return total


async def _retrieve_balance(request, handler):
    """GET /v1/balance, as Stripe answers it: {"object": "balance", "available": [...], "pending": [...]}."""
    account = request.headers.get("Stripe-Account") or None
    if account is not None:
        _retrieve_account(account, "Stripe-Account")
    amount = _balance_cents(account)
    return server.json_response(
        {
            "object": "balance",
            "livemode": False,
            "available": [{"amount": amount, "currency": "eur", "source_types": {"card": amount}}],
            "pending": [{"amount": 0, "currency": "eur", "source_types": {"card": 0}}],
        }
    )


_route_overrides = (
    ("GET", re.compile(r"/v1/balance"), _retrieve_balance),
    ("POST", re.compile(r"/v1/payment_intents/(?P<id>\w+)/confirm"), _confirm_with_payment_method),
    ("POST", re.compile(r"/v1/payment_intents/(?P<id>\w+)/_authenticate"), _authenticate_without_payment_method),
)


@web.middleware
async def _override_middleware(request, handler):
    for method, pattern, override in _route_overrides:
        if request.method == method and (match := pattern.fullmatch(request.path)):
            return await override(request, handler, **match.groupdict())
    return await handler(request)


# --------------------------------------------------------------------------------------------
# Extra routes
# --------------------------------------------------------------------------------------------


async def _retrieve_reversal(request):
    transfer = Transfer._api_retrieve(request.match_info["id"])
    reversal = TransferReversal._api_retrieve(request.match_info["reversal_id"])
    if reversal.transfer != transfer.id:
        raise UserError(404, "Not Found")
    expand = server.unflatten_data(request.query).pop("expand", None)
    return server.json_response(reversal._export(expand=expand))


async def _set_opening_balance(request):
    data = server.unflatten_data(await request.post())
    account = data.get("account") or None
    if account is not None:
        _retrieve_account(account, "account")
    try:
        _openings[account] = int(data.get("amount", ""))
    except ValueError:
        raise _bad_request("amount must be an integer number of cents", "amount") from None
    return web.Response()


async def _unregister_webhook(request):
    webhooks._webhooks.pop(request.match_info["id"], None)
    return web.Response()


def install() -> None:
    """Patch localstripe and add the Connect routes to its app. Call before the app runs."""
    global _installed
    if _installed:
        return
    if server.app.frozen:
        raise RuntimeError("localstripe's app is already running: install() must come first")

    for name, new in (
        ("__init__", _payment_intent_init),
        ("_create_charge", _payment_intent_create_charge),
        ("_on_success", _payment_intent_on_success),
        ("_export", _payment_intent_export),
    ):
        _ORIGINAL["PaymentIntent." + name] = getattr(PaymentIntent, name)
        setattr(PaymentIntent, name, new)
    _ORIGINAL["Refund._api_create"] = Refund._api_create
    Refund._api_create = classmethod(_refund_api_create)

    router = server.app.router
    for cls, path in ((Account, "/v1/accounts"), (Transfer, "/v1/transfers")):
        router.add_post(path, server.api_create(cls, path))
        router.add_get(path, server.api_list_all(cls, path))
        router.add_get(path + "/{id}", server.api_retrieve(cls, path))
        router.add_post(path + "/{id}", server.api_update(cls, path))
        router.add_delete(path + "/{id}", server.api_delete(cls, path))
    reversals = "/v1/transfers/{id}/reversals"
    router.add_post(reversals, server.api_extra(Transfer._api_create_reversal, reversals))
    router.add_get(reversals, server.api_extra(Transfer._api_list_reversals, reversals))
    router.add_get(reversals + "/{reversal_id}", _retrieve_reversal)
    router.add_delete("/_config/webhooks/{id}", _unregister_webhook)
    router.add_post("/_config/balances", _set_opening_balance)

    server.app.middlewares.append(_override_middleware)
    _installed = True


__all__ = ["Account", "Transfer", "TransferReversal", "install"]
