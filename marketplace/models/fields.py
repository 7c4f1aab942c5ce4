"""Field options shared by the marketplace's models."""

MONEY = {"max_digits": 12, "decimal_places": 2}
# SQLite keeps decimals as floats: sums are rounded to the cent before comparing in CHECKs.
QUANTITY = {"max_digits": 10, "decimal_places": 3}
