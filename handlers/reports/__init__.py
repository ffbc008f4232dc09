"""Figures and documents for the office: the day's statistics (`statistics`) and the ledger (`ledger`)."""
