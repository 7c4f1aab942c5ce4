"""Services à la personne: the URSSAF's immediate tax-credit advance (client registration, monthly payment
requests and their follow-up), the annual tax certificates (ARCHITECTURE.md, layer 7)."""
