"""Signals of the shared kernel."""

from django.dispatch import Signal

# Exchange rates were added or changed: amounts compared in CNY must be recomputed. No kwargs.
exchange_rates_changed = Signal()

# Negative-list rules were added or changed: eligibility of foreign partners must be recomputed.
# No kwargs.
negative_list_changed = Signal()
