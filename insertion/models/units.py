"""Field options shared by the insertion models."""

# Hours with two decimals (centihours), up to 9 999.99.
HOURS = {"max_digits": 6, "decimal_places": 2}
