"""Field options the booking models share."""

PLACES = {"max_digits": 8, "decimal_places": 2}
QUANTITY = {"max_digits": 10, "decimal_places": 3}
