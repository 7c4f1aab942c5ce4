"""Choices of the services à la personne."""
