"""Transitional: only `KIND_LABELS`, for journal/routes.py until it reads domain.vocabulary.

The schedule's services are booking.py, agenda.py, screening.py and feed.py. Delete this module
once nothing imports it.
"""
from katapp.domain.vocabulary import SESSION_KINDS

KIND_LABELS = {k.key: k.label for k in SESSION_KINDS}
