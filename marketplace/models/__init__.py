"""Carts, orders, payments and invoices, one module per aggregate.

Totals are stored on orders and invoices as snapshots (not recomputed): an issued invoice is a
legal document and must read the same in ten years whatever happens to prices and offerings.
Every model is importable from `marketplace.models`, as Django and the other apps expect.
"""

from marketplace.enums import AllocationMethod  # where it was defined before enums.py held it
from marketplace.models.carts import Cart, CartItem, SolidarityStatus
from marketplace.models.dunning import DunningLevel, DunningPause, DunningPolicy, LatePenalty, ReminderSent
from marketplace.models.fields import MONEY, QUANTITY
from marketplace.models.invoices import Invoice, InvoiceLine, InvoiceQuerySet, InvoiceSequence
from marketplace.models.orders import (
    FULFILMENT,
    PAYMENT,
    Order,
    OrderLine,
    OrderNotification,
    OrderQuerySet,
    OrderTransition,
)
from marketplace.models.payments import DepositSlip, InvoicePayment, Payment, Refund
from marketplace.models.sellers import SellerSettings
from marketplace.models.settlement import OrderShare, OrderShareQuerySet, PaymentAllocation
from marketplace.models.shared_services import SharedServicesPlan, SharedServicesShare
from marketplace.models.stripe import StripeDispute, StripeEvent, StripeTransfer

__all__ = [
    "FULFILMENT",
    "MONEY",
    "PAYMENT",
    "QUANTITY",
    "AllocationMethod",
    "Cart",
    "CartItem",
    "DepositSlip",
    "DunningLevel",
    "DunningPause",
    "DunningPolicy",
    "Invoice",
    "InvoiceLine",
    "InvoicePayment",
    "InvoiceQuerySet",
    "InvoiceSequence",
    "LatePenalty",
    "Order",
    "OrderLine",
    "OrderNotification",
    "OrderQuerySet",
    "OrderShare",
    "OrderShareQuerySet",
    "OrderTransition",
    "Payment",
    "PaymentAllocation",
    "Refund",
    "ReminderSent",
    "SellerSettings",
    "SharedServicesPlan",
    "SharedServicesShare",
    "SolidarityStatus",
    "StripeDispute",
    "StripeEvent",
    "StripeTransfer",
]
