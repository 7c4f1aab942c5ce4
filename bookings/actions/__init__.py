"""The booking workflows, one module per topic (booking, order events, laundry)."""
