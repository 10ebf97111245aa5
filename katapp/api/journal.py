"""API routes of the journal feature (its issue fills this module in)."""
from katapp.api import bp  # noqa: F401
