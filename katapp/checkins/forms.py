"""Check-in, flag and instrument-plan forms: field checks only; the rules live in services.py."""
from __future__ import annotations

from typing import Any
from uuid import uuid4

from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, HiddenField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from katapp.domain.instruments import Instrument
from katapp.errors import Refusal, show_on_form
from katapp.fields import MultiCheckboxField
from katapp.inputs import Text

SCALE = [(i, str(i)) for i in range(11)]
YES_NO = [("false", "No"), ("true", "Yes")]
CLIENT_ID_REUSED = ("This form was already sent with other answers; check today's entries below. "
                    "Sending again saves a new check-in.")


def _scale(label: str, required: bool = False) -> RadioField:
    check = InputRequired("Choose a number from 0 to 10.") if required else Optional()
    return RadioField(label, choices=SCALE, coerce=int, validators=[check])


class CheckInForm(FlaskForm):
    """The daily check-in; field names are the API's (CONTRACT.md)."""

    client_id = HiddenField()
    recorded_at = HiddenField()
    mood = _scale("Mood", required=True)
    anxiety = _scale("Anxiety")
    energy = _scale("Energy")
    pain = _scale("Pain")
    sleep_hours = FloatField("Hours slept last night", validators=[Optional(), NumberRange(0, 24, "From 0 to 24 hours.")],
                             render_kw={"inputmode": "decimal", "step": "0.5", "min": "0", "max": "24",
                                        "type": "number", "data-json": "float"})
    self_harm_thoughts = RadioField("Thoughts of harming yourself today?", choices=YES_NO, validators=[Optional()])
    note = TextAreaField("Note (optional)",
                         validators=[Optional(), Length(max=2000, message="At most 2000 characters."), Text(2000)],
                         render_kw={"maxlength": "2000", "rows": "3", "data-json": "str"})

    SCALES = ("mood", "anxiety", "energy", "pain")

    def fresh(self) -> CheckInForm:
        """Give this (GET or just-saved) form a new client_id, so the next entry is a new one."""
        self.client_id.data = str(uuid4())
        self.recorded_at.data = ""
        return self

    def payload(self, with_ids: bool = True) -> dict[str, Any]:
        """The values as the API would receive them (absent optional answers left out)."""
        data: dict[str, Any] = {name: getattr(self, name).data for name in self.SCALES}
        data["sleep_hours"] = self.sleep_hours.data
        data["self_harm_thoughts"] = {"true": True, "false": False}.get(self.self_harm_thoughts.data or "")
        data["note"] = self.note.data or None
        if with_ids:
            data["client_id"] = self.client_id.data or None
            data["recorded_at"] = self.recorded_at.data or None
        return {k: v for k, v in data.items() if v is not None}

    def show_refusal(self, refusal: Refusal) -> None:
        """`show_on_form` in sentence case; a reused client_id gets a fresh one and an explanation."""
        fields = {name: message[:1].upper() + message[1:] for name, message in refusal.fields.items()}
        if "client_id" in fields:
            self.fresh()
            fields["client_id"] = CLIENT_ID_REUSED
        show_on_form(self, Refusal(refusal.message, fields, status=refusal.status))


class AcknowledgeForm(FlaskForm):
    note = TextAreaField("What did you do or decide?", validators=[InputRequired("Write a note to acknowledge."),
                                                                  Length(max=2000), Text(2000)], render_kw={"rows": "2"})
    next = HiddenField()


class InstrumentPlanForm(FlaskForm):
    phq9 = BooleanField("PHQ-9 (depression)")
    gad7 = BooleanField("GAD-7 (anxiety)")
    pcl5 = BooleanField("PCL-5 (post-traumatic stress)")


class QuestionnaireForm(FlaskForm):
    """CSRF only: the answers are read as a list and checked by instruments.score()."""

    client_id = HiddenField()
    recorded_at = HiddenField()

    @staticmethod
    def chosen(inst: Instrument, formdata) -> dict[str, Any]:
        """The posted answers: `answers` (one int or None per item), the optional unscored
        `difficulty` and the PCL-5's `index_event`, as the API names them."""
        chosen: dict[str, Any] = {"answers": [formdata.get(f"answer_{i}", type=int) for i in range(inst.item_count)]}
        if inst.extra is not None:
            chosen[inst.extra.key] = formdata.get(inst.extra.key, type=int)
        if inst.index_event_prompt is not None:
            chosen["index_event"] = formdata.get("index_event") or None
        return chosen

    def payload(self, inst: Instrument, chosen: dict[str, Any]) -> dict[str, Any]:
        """The questionnaire as the API would receive it (unanswered optional questions left out)."""
        data = {"instrument": inst.key, **chosen,
                "client_id": self.client_id.data or None, "recorded_at": self.recorded_at.data or None}
        return {k: v for k, v in data.items() if v is not None or k in ("answers", "client_id", "recorded_at")}


class GroupAcknowledgeForm(FlaskForm):
    """One note for several of one patient's open flags; prefixed by patient so a page can hold several."""

    flag_ids = MultiCheckboxField("Flags to acknowledge", coerce=int, validate_choice=False,
                                  validators=[InputRequired("Choose at least one flag.")])
    note = TextAreaField("What did you do or decide?", validators=[InputRequired("Write a note to acknowledge."),
                                                                  Length(max=2000)], render_kw={"rows": "2"})
    next = HiddenField()


def group_acknowledge_form(group, back: str | None = None) -> GroupAcknowledgeForm:
    """The acknowledge form of a FlagGroup (katapp.flag_review): every flag listed and ticked."""
    form = GroupAcknowledgeForm(prefix=f"p{group.patient.id}")
    form.flag_ids.choices = [(view.flag.id, f"{view.answer} ({view.age_text})") for view in group.flags]
    if not form.is_submitted():
        form.flag_ids.data = group.ids
        form.next.data = back
    return form
