"""The issue's (#13) hand-built PHQ-9 timelines, as arguments for the `build` fixture (days ago)."""

INDUCTION = (70, 68, 66, 64, 62, 60)  # six ketamine sessions, the last 60 days ago

# 23 -> 8 by session 6 (a response, held after the series), then 17 at a booster and 21 now.
RELAPSE = {"phq": [(71, 23), (63.5, 12), (60.5, 8), (58, 8), (20.5, 17), (1, 21)], "ketamine": (*INDUCTION, 20)}
# A single PHQ-9 of 3 before the series and nothing after it.
SINGLE_THREE = {"phq": [(71, 3)], "ketamine": INDUCTION}
# The first PHQ-9 taken after session 3.
LATE_BASELINE = {"phq": [(65, 15), (58, 12)], "ketamine": INDUCTION}
# 20 -> 8 after the series (response, not remission).
RESPONDER = {"phq": [(71, 20), (58, 8)], "ketamine": INDUCTION}
# 15 -> 4 after the series (remission).
REMITTER = {"phq": [(71, 15), (58, 4)], "ketamine": INDUCTION}
# 22 -> 18 after the series (no response).
NON_RESPONDER = {"phq": [(71, 22), (58, 18)], "ketamine": INDUCTION}
# 18 at baseline, nothing after the series (eligible, not assessed).
UNASSESSED = {"phq": [(71, 18)], "ketamine": INDUCTION}
# Baseline 8: too mild to count in the clinic's rates.
MILD = {"phq": [(71, 8), (58, 3)], "ketamine": INDUCTION}
# Three sessions, then nothing (series over after the gap): too few to count.
SHORT = {"phq": [(71, 20), (63, 6)], "ketamine": (70, 68, 66)}
# Five sessions into a series still booked, PHQ-9 20 -> 18: not improving.
STUCK = {"phq": [(9, 20), (1, 18)], "ketamine": (8, 6, 4, 2, 0.5), "booked": (2,)}
