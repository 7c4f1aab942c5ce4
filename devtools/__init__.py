"""Developer tools that are not part of the product: local fakes for tests and for the demo."""
