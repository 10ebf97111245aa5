"""Safety-flag alerts (#11): who is told of a flag, the email outbox, escalation, `flask send-alerts`.

Not a blueprint: other features call `services` (the check-in flow enqueues, the admin pages list
open flags) and cron runs the command in `cli`.
"""
