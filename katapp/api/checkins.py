"""API routes of the checkins feature (its issue fills this module in)."""
from katapp.api import bp  # noqa: F401
