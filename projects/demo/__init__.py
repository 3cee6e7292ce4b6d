"""Illustrative demo data: an ILSTC SOE opportunity list, enterprises, a negative list, users.

The CSV files next to this module are written in the exact contract formats of
docs/data-contract.md and are loaded through the same import functions as any user file
(`python manage.py load_demo`). None of it describes real projects or commitments.
"""
