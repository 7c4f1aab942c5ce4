"""The marketplace's workflows, one module per topic (cart, checkout, invoicing, payments, refunds)."""
