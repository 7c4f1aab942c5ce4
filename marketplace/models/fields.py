"""Field options shared by the marketplace's models."""

MONEY = {"max_digits": 12, "decimal_places": 2}
# SQLite keeps decimals as floats: sums are rounded to the cent before comparing in CHECKs.
QUANTITY = {"max_digits": 10, "decimal_places": 3}
# The longest billing address an order, a booking or an invoice takes (forms, API and models): a real one
# is a few lines, and every character of it is laid out in the invoice PDFs. Room for an organisation's
# address, joined from its own bounded fields (hub.Address: 508 characters at most).
BILLING_ADDRESS_MAX_LENGTH = 600
BILLING_NAME_MAX_LENGTH = 150
