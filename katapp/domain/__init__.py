"""Pure clinical rules: scoring, outcomes and scheduling over plain values.

Nothing in this package imports Flask or SQLAlchemy; services pass numbers, dates and
tuples in and get numbers, labels and dataclasses back.
"""
