"""Models of the services à la personne (see the package docstring)."""
