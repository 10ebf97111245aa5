"""API routes of the schedule feature (its issue fills this module in)."""
from katapp.api import bp  # noqa: F401
