"""Forms for the link worker's casework pages. They check input; the services write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone

from socialrx.concurrency import STALE_FORM_MESSAGE, VersionedFormMixin
from socialrx.forms import DateInput, NhsFormMixin, UkPhoneField
from socialrx.validators import (
    format_postcode,
    normalise_nhs_number,
    not_in_future,
    validate_date_of_birth,
    validate_not_in_future,
)

from ..models import (
    CloseReason,
    ConnectionKind,
    ConnectionOutcome,
    ConsentPurpose,
    ContactMethod,
    ContactOutcome,
    Conversation,
    EndReason,
    Feedback,
    GoalStatus,
    LifeArea,
    Person,
    ReferralStatus,
    SafeToLeaveMessage,
    ethnicity_group_for,
)
from ..questionnaires import (
    ONS4_HINT,
    ONS4_QUESTIONS,
    SWEMWBS_ANSWERS,
    SWEMWBS_ITEMS,
    ons4_answers,
)


def _date_input() -> DateInput:
    # ISO format: a browser's date input reads nothing else, whatever the site's locale.
    return DateInput(format="%Y-%m-%d")


class _RequiredMessages:
    """Says what to enter, field by field, instead of "This field is required"."""

    required_messages: dict[str, str] = {}
    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for name, message in self.required_messages.items():
            if name in self.fields:
                self.fields[name].error_messages["required"] = message


class CaseloadSearchForm(NhsFormMixin, forms.Form):
    q = forms.CharField(
        label="Name or NHS number",
        max_length=100,
        help_text="Searches are not kept in the address bar or the server's logs.",
    )


CASELOAD_SORTS = {
    "name": "Name",
    "date_of_birth": "Date of birth (age)",
    "status": "Status",
    "practice": "Practice",
    "last_activity": "Last activity",
    "received": "Received",
}


class CaseloadFilterForm(NhsFormMixin, forms.Form):
    """The caseload's filters and order. None of them is personal data, so they may travel in
    the URL (a link worker can bookmark "my people waiting more than 5 days")."""

    who = forms.ChoiceField(
        label="Whose people",
        required=False,
        choices=[("team", "Everyone in the team"), ("mine", "Only mine (named link worker)")],
    )
    status = forms.ChoiceField(
        label="Referral status",
        required=False,
        choices=[("", "Any status"), *ReferralStatus.choices],
    )
    practice = forms.TypedChoiceField(
        label="GP practice", required=False, coerce=int, empty_value=None
    )
    waiting_days = forms.IntegerField(
        label="Waiting for first contact for more than (days)",
        required=False,
        min_value=0,
        max_value=3650,
        help_text="Received and not yet contacted. Leave empty for everyone.",
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4", "inputmode": "numeric"}),
        error_messages={
            "invalid": "Enter the number of days as a whole number, for example 5",
            "min_value": "Enter a number of days of 0 or more",
            "max_value": "Enter a number of days of 3650 or fewer",
        },
    )
    sort = forms.ChoiceField(
        required=False, choices=list(CASELOAD_SORTS.items()), widget=forms.HiddenInput
    )
    order = forms.ChoiceField(
        required=False, choices=[("asc", "asc"), ("desc", "desc")], widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, practices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["practice"]).choices = [
            ("", "Any practice"),
            *((p.pk, p.name) for p in practices),
        ]
        cast(forms.ChoiceField, self.fields["sort"]).error_messages["invalid_choice"] = (
            "Choose a column to sort by from the table"
        )

    def values(self) -> dict[str, Any]:
        """The valid filters; an invalid one is left out (its message says so), so a mistyped
        value never narrows or reorders the list unexpectedly."""
        data = getattr(self, "cleaned_data", {})
        sort = data.get("sort") or "last_activity"
        default_order = "desc" if sort in ("last_activity", "received") else "asc"
        return {
            "who": data.get("who") or "team",
            "status": data.get("status") or "",
            "practice": data.get("practice"),
            "waiting_days": data.get("waiting_days"),
            "sort": sort,
            "order": data.get("order") or default_order,
        }


class PersonForm(VersionedFormMixin, _RequiredMessages, NhsFormMixin, forms.ModelForm):
    required_messages = {
        "given_name": "Enter the person's given name",
    }

    # Longer than the stored 10 digits: people type NHS numbers with spaces ("943 476 5919").
    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        max_length=14,
        help_text="10 digits, for example 943 476 5919",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "nhsuk-input--width-10"}),
    )

    # Older forms (and the API of a form left open) send nothing: that is "not known".
    safe_to_leave_message = forms.ChoiceField(
        label="Safe to leave a message",
        choices=SafeToLeaveMessage.choices,
        required=False,
        help_text="Whether a voicemail, text or letter may be left for them.",
    )

    class Meta:
        model = Person
        fields = [
            "given_name",
            "family_name",
            "date_of_birth",
            "nhs_number",
            "sex",
            "ethnic_category",
            "ethnicity",
            "postcode",
            "phone",
            "email",
            "address",
            "preferred_language",
            "communication_needs",
            "best_time_to_contact",
            "safe_to_leave_message",
            "preferred_channel",
            "needs_interpreter",
            "interpreter_language",
        ]
        labels = {
            "given_name": "Given name",
            "family_name": "Family name",
            "ethnicity": "Ethnic group (when the ethnic category is not known)",
        }
        help_texts = {
            "ethnic_category": "As the person describes themselves (NHS ethnic category). "
            "It sets the ethnic group.",
        }
        field_classes = {"phone": UkPhoneField}
        widgets = {
            "date_of_birth": _date_input(),
            "communication_needs": forms.Textarea(attrs={"rows": 3}),
            "address": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_date_of_birth(self) -> Any:
        value = self.cleaned_data.get("date_of_birth")
        validate_date_of_birth(value)
        return value

    def clean(self) -> Any:
        cleaned = super().clean() or self.cleaned_data
        # The ethnic category decides the group; the group alone is for records without one.
        group = ethnicity_group_for(cleaned.get("ethnic_category") or "")
        if group is not None:
            cleaned["ethnicity"] = group
        return cleaned

    def clean_safe_to_leave_message(self) -> str:
        return self.cleaned_data.get("safe_to_leave_message") or SafeToLeaveMessage.UNKNOWN

    def clean_nhs_number(self) -> str | None:
        value = normalise_nhs_number(self.cleaned_data.get("nhs_number") or "")
        return value or None

    def clean_postcode(self) -> str:
        value = self.cleaned_data.get("postcode") or ""
        return format_postcode(value) if value else ""


class _ReadOnceChoices(forms.models.ModelChoiceIterator):
    """A model choice widget's options from the rows of the queryset given, read once (and
    shared with whoever else reads that queryset): the default iterator queries each time the
    widget goes through its options, twice a render. The field's own queryset still checks
    the choice posted."""

    def __init__(self, field: forms.ModelChoiceField, rows: Any) -> None:
        super().__init__(field)
        self.rows = rows

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.rows:
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self.rows) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self.rows)


class LinkWorkerForm(_RequiredMessages, NhsFormMixin, forms.Form):
    required_messages = {
        "link_worker": "Choose a link worker",
    }

    link_worker: forms.ModelChoiceField = forms.ModelChoiceField(
        label="Named link worker", queryset=None, empty_label=None
    )

    def __init__(self, *args: Any, link_workers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["link_worker"])
        field.queryset = link_workers
        field.widget.choices = _ReadOnceChoices(field, link_workers)  # type: ignore[attr-defined]


class StatusChangeForm(_RequiredMessages, NhsFormMixin, forms.Form):
    required_messages = {
        "to_status": "Choose the new status",
    }

    to_status = forms.ChoiceField(label="New status", widget=forms.RadioSelect)
    # The status the user was shown: the change is made only if it is still that.
    from_status = forms.ChoiceField(
        choices=ReferralStatus.choices,
        widget=forms.HiddenInput(attrs={"class": ""}),
        error_messages={"required": STALE_FORM_MESSAGE, "invalid_choice": STALE_FORM_MESSAGE},
    )
    end_reason = forms.ChoiceField(
        label="Reason (if declining or ending without support)",
        choices=[("", "Choose a reason"), *EndReason.choices],
        required=False,
        help_text="The coded reason goes to the referrer in the message back.",
    )
    note = forms.CharField(
        label="Note", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("to_status") == ReferralStatus.DECLINED and not data.get("end_reason"):
            self.add_error("end_reason", "Choose why the referral is declined")
        return data

    def __init__(self, *args: Any, allowed: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._offer(allowed)

    def _offer(self, allowed: tuple[str, ...]) -> None:
        self.fields["to_status"].choices = [  # type: ignore[attr-defined]
            (value, ReferralStatus(value).label)
            for value in allowed
            if value != ReferralStatus.CLOSED
        ]

    def set_shown(self, *, status: str, allowed: tuple[str, ...]) -> None:
        """After someone else changed the status: show the form again for the status as it
        is now, keeping what the user typed."""
        self._offer(allowed)
        data = cast(Any, self.data).copy()
        data[self.add_prefix("from_status")] = status
        self.data = data


class CloseCaseForm(_RequiredMessages, NhsFormMixin, forms.Form):
    required_messages = {
        "close_reason": "Choose how the case ended",
        "closure_outcome": "Enter the outcome of the case",
        "closed_on": "Enter the date the case closed",
    }

    close_reason = forms.ChoiceField(
        label="How did the case end?",
        choices=CloseReason.choices,
        widget=forms.RadioSelect,
        help_text="The referrer is told this in the message back.",
        error_messages={"invalid_choice": "Choose how the case ended from the list"},
    )
    closure_outcome = forms.CharField(
        label="Outcome of the case",
        help_text="What changed for the person, and where they go from here.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    closed_on = forms.DateField(label="Closed on", widget=_date_input())
    from_status = forms.ChoiceField(
        choices=ReferralStatus.choices,
        widget=forms.HiddenInput(attrs={"class": ""}),
        error_messages={"required": STALE_FORM_MESSAGE, "invalid_choice": STALE_FORM_MESSAGE},
    )

    def clean_closed_on(self) -> Any:
        value = self.cleaned_data["closed_on"]
        not_in_future("The date the case closed must be today or in the past")(value)
        return value


SWEMWBS_FIELDS = [f"swemwbs_{n}" for n in range(1, len(SWEMWBS_ITEMS) + 1)]
ONS4_FIELDS = [f"ons4_{key}" for key, _ in ONS4_QUESTIONS]
FREE_TEXT_FIELDS = ["what_matters", "good_life", "love_doing", "could_offer"]


class _MeasuresForm(forms.Form):
    """The friends question's companions, SWEMWBS and ONS4, shared by the conversation and the
    check-in forms: the fields (added by :func:`_add_measure_fields`), their grouping for the
    template, and the all-or-none checks. ``swemwbs_incomplete`` and ``ons4_incomplete`` are
    the messages, formatted with the ``label`` of the first question left empty."""

    swemwbs_incomplete = "“{label}”: answer all seven SWEMWBS statements, or leave them all empty"
    ons4_incomplete = "“{label}”: answer all four ONS4 questions, or leave them all empty"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not settings.SWEMWBS_ENABLED:
            # A deployment that has not registered with SWEMWBS's owners must not show it.
            for name in SWEMWBS_FIELDS:
                del self.fields[name]

    @property
    def swemwbs_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in SWEMWBS_FIELDS if name in self.fields]

    @property
    def ons4_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ONS4_FIELDS]

    def clean_measures(self, data: dict[str, Any]) -> None:
        """Sets ``swemwbs_items`` and ``ons4`` (None when not answered) in ``data``."""
        names = [name for name in SWEMWBS_FIELDS if name in self.fields]
        answers = [data.get(name) for name in names]
        given = [a for a in answers if a is not None]
        if given and len(given) != len(answers):
            missing = next(
                name for name, value in zip(names, answers, strict=True) if value is None
            )
            label = self.fields[missing].label
            self.add_error(missing, self.swemwbs_incomplete.format(label=label))
        data["swemwbs_items"] = answers if given and len(given) == len(answers) else None
        ons4_raw = {key: data.get(f"ons4_{key}") for key, _ in ONS4_QUESTIONS}
        data["ons4"] = None
        if any(name in self.errors for name in ONS4_FIELDS):
            return  # an answer out of range already says which question
        try:
            data["ons4"] = ons4_answers(answers=ons4_raw)
        except ValueError:
            missing = next((f"ons4_{k}" for k, v in ons4_raw.items() if v is None), ONS4_FIELDS[0])
            label = self.fields[missing].label
            self.add_error(missing, self.ons4_incomplete.format(label=label))


def _add_measure_fields(
    form: type[_MeasuresForm], *, swemwbs_invalid: str, ons4_range: str
) -> None:
    """The questionnaire items as fields, generated from referrals.questionnaires so that the
    form and the scoring can never disagree about the wording or the order. Every error names
    its statement or question (``{statement}``, ``{question}``, ``{short}`` in the messages):
    the error summary lists them apart from the page."""
    for name, statement in zip(SWEMWBS_FIELDS, SWEMWBS_ITEMS, strict=True):
        form.base_fields[name] = forms.TypedChoiceField(
            label=statement,
            required=False,
            coerce=int,
            empty_value=None,
            choices=SWEMWBS_ANSWERS,
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": swemwbs_invalid.format(statement=statement)},
        )
    for name, (_, question) in zip(ONS4_FIELDS, ONS4_QUESTIONS, strict=True):
        bounds = ons4_range.format(question=question, short=_question_short(question))
        form.base_fields[name] = forms.IntegerField(
            label=question,
            required=False,
            min_value=0,
            max_value=10,
            help_text=ONS4_HINT,
            widget=forms.NumberInput(
                attrs={"class": "nhsuk-input--width-2", "inputmode": "numeric"}
            ),
            error_messages={"invalid": bounds, "min_value": bounds, "max_value": bounds},
        )


def _question_short(question: str) -> str:
    """ "Overall, how satisfied are you…?" → "How satisfied are you…?", for error messages."""
    text = question.removeprefix("Overall, ")
    return text[:1].upper() + text[1:]


class ConversationForm(_RequiredMessages, NhsFormMixin, _MeasuresForm):
    """Free text first; life areas, the friends question and the questionnaires are optional."""

    required_messages = {
        "held_on": "Enter the date of the conversation",
    }

    held_on = forms.DateField(label="Date of the conversation", widget=_date_input())
    what_matters = forms.CharField(
        label=Conversation._meta.get_field("what_matters").verbose_name,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    good_life = forms.CharField(
        label=Conversation._meta.get_field("good_life").verbose_name,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    love_doing = forms.CharField(
        label=Conversation._meta.get_field("love_doing").verbose_name,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    could_offer = forms.CharField(
        label=Conversation._meta.get_field("could_offer").verbose_name,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    life_areas = forms.MultipleChoiceField(
        label="Life areas you talked about",
        required=False,
        choices=LifeArea.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    friends_count = forms.IntegerField(
        label="How many friends could you call on?",
        required=False,
        min_value=0,
        max_value=999,
        help_text="Leave empty if you did not ask. 0 means they told you none.",
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4", "inputmode": "numeric"}),
        error_messages={
            key: "“How many friends could you call on?”: enter a whole number from 0 to 999"
            for key in ("invalid", "min_value", "max_value")
        },
    )
    notes = forms.CharField(
        label="Other notes", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any((data.get(name) or "").strip() for name in FREE_TEXT_FIELDS):
            # Linked to the first question, and kept going so every problem shows at once.
            self.add_error(
                "what_matters",
                "Write down at least one of the person's answers to the first four questions",
            )
        try:
            not_in_future("The date of the conversation must be today or in the past")(
                data.get("held_on")
            )
        except forms.ValidationError as error:
            self.add_error("held_on", error)
        self.clean_measures(data)
        return data


_add_measure_fields(
    ConversationForm,
    swemwbs_invalid="“{statement}”: choose one of the five answers",
    ons4_range="“{question}”: enter a whole number from 0 to 10",
)


class ConversationCorrectionForm(VersionedFormMixin, ConversationForm):
    """The conversation form, filled with what was recorded, with the reason for the
    correction; it carries the version it was loaded with (socialrx.concurrency)."""

    required_messages = {
        **ConversationForm.required_messages,
        "reason": "Enter why you are correcting this conversation",
    }

    reason = forms.CharField(
        label="Why are you correcting it?",
        max_length=500,
        help_text="For example: the wrong answer was ticked, or a date was typed wrongly. "
        "This is kept with the history of the conversation.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @staticmethod
    def initial_from(conversation: Conversation, measures: dict[str, Any]) -> dict[str, Any]:
        """What was recorded, as the form's initial values."""
        initial: dict[str, Any] = {
            "held_on": conversation.held_on,
            **{name: getattr(conversation, name) for name in FREE_TEXT_FIELDS},
            "life_areas": list(conversation.life_areas or ()),
            "notes": conversation.notes,
            "friends_count": measures["friends_count"],
        }
        for name, value in zip(SWEMWBS_FIELDS, measures["swemwbs_items"] or (), strict=False):
            initial[name] = value
        for key, _ in ONS4_QUESTIONS:
            initial[f"ons4_{key}"] = (measures["ons4"] or {}).get(key)
        return initial


class GoalForm(_RequiredMessages, NhsFormMixin, forms.Form):
    required_messages = {
        "description": "Enter the goal, in the person's words",
    }

    description = forms.CharField(
        label="Goal, in the person's words", max_length=500, widget=forms.TextInput
    )


class GoalStatusForm(_RequiredMessages, NhsFormMixin, forms.Form):
    required_messages = {
        "status": "Choose how the person feels it is going",
    }

    status = forms.ChoiceField(label="How is it going?", choices=GoalStatus.choices)
    version = forms.IntegerField(
        min_value=0,
        widget=forms.HiddenInput(attrs={"class": ""}),
        error_messages={"required": STALE_FORM_MESSAGE, "invalid": STALE_FORM_MESSAGE},
    )


class AssetSearchForm(NhsFormMixin, forms.Form):
    q = forms.CharField(label="Search the directory by name", max_length=100, required=False)


class ConnectionForm(_RequiredMessages, NhsFormMixin, forms.Form):
    required_messages = {
        "kind": "Choose how you are connecting them",
        "made_on": "Enter the date",
    }

    asset = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label="How are you connecting them?",
        choices=ConnectionKind.choices,
        widget=forms.RadioSelect,
    )
    made_on = forms.DateField(label="Date", widget=_date_input())
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(
        label="I have read the warnings and want to connect them anyway", required=False
    )

    def clean_made_on(self) -> Any:
        value = self.cleaned_data["made_on"]
        validate_not_in_future(value)
        return value


class ConnectionOutcomeForm(_RequiredMessages, NhsFormMixin, forms.Form):
    required_messages = {
        "outcome": "Choose what happened",
    }

    outcome = forms.ChoiceField(label="What happened?", choices=ConnectionOutcome.choices)
    version = forms.IntegerField(
        min_value=0,
        widget=forms.HiddenInput(attrs={"class": ""}),
        error_messages={"required": STALE_FORM_MESSAGE, "invalid": STALE_FORM_MESSAGE},
    )


class CaseNoteForm(_RequiredMessages, NhsFormMixin, forms.Form):
    required_messages = {
        "text": "Enter the note",
    }

    text = forms.CharField(label="Case note", widget=forms.Textarea(attrs={"rows": 4}))


class ContactAttemptForm(_RequiredMessages, NhsFormMixin, forms.Form):
    required_messages = {
        "method": "Choose how you tried to contact them",
        "outcome": "Choose what happened",
        "attempted_on": "Enter the date of the attempt",
    }

    method = forms.ChoiceField(label="How", choices=[("", "Choose"), *ContactMethod.choices])
    outcome = forms.ChoiceField(
        label="What happened", choices=[("", "Choose"), *ContactOutcome.choices]
    )
    attempted_on = forms.DateField(label="Date", widget=_date_input())

    def clean_attempted_on(self) -> Any:
        value = self.cleaned_data.get("attempted_on")
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError("The date must be today or in the past")
        return value


class FeedbackForm(_RequiredMessages, NhsFormMixin, forms.Form):
    required_messages = {
        "snomed_code": "Choose the SNOMED CT code",
        "needs_and_concerns": "Enter the needs and concerns",
        "support_offered": "Enter the support offered and activities referred to",
    }

    snomed_code = forms.ChoiceField(
        label="SNOMED CT code for the practice to record",
        choices=Feedback.Snomed.choices,
        widget=forms.RadioSelect,
    )
    needs_and_concerns = forms.CharField(
        label="Needs and concerns", widget=forms.Textarea(attrs={"rows": 5})
    )
    support_offered = forms.CharField(
        label="Support offered and activities referred to",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    outcomes = forms.CharField(
        label="Outcomes", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )


_CONSENT_QUESTIONS = {
    ConsentPurpose.CONTACT: (
        "Do they agree that a link worker may contact them?",
        "By phone, email or letter, to arrange and follow up their support.",
    ),
    ConsentPurpose.SHARE_WITH_GROUP: (
        "Do they agree that we may share their name and contact details with a group's "
        "organisers or volunteers when we connect them?",
        "If not, they can still be connected; the group is not told who they are.",
    ),
    ConsentPurpose.DEIDENTIFIED_FIGURES: (
        "Do they agree that their information may be used in figures that do not identify them?",
        "If not, they are left out of every outcome figure from the next time figures are "
        "computed.",
    ),
    ConsentPurpose.SMS: (
        "Do they agree to text messages to their mobile?",
        "Appointment reminders, “we tried to reach you” and the plan agreed. Others may "
        "see a phone: ask whether texts are safe.",
    ),
    ConsentPurpose.EMAIL: (
        "Do they agree to emails?",
        "The same messages, to the email address on their record.",
    ),
    ConsentPurpose.LETTER: (
        "Do they agree to letters to their address?",
        "The same messages, by post. Others may open their post: ask whether letters are safe.",
    ),
}


class ConsentForm(NhsFormMixin, forms.Form):
    """What the person said, purpose by purpose. A question left unanswered keeps the answer
    already recorded (or stays "not asked")."""

    def __init__(self, *args: Any, current: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for purpose, (label, hint) in _CONSENT_QUESTIONS.items():
            row = current.get(purpose)
            field = forms.TypedChoiceField(
                label=label,
                help_text=hint,
                choices=[("yes", "Yes"), ("no", "No")],
                coerce=lambda value: value == "yes",
                empty_value=None,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "nhsuk-radios__input"}),
                error_messages={"invalid_choice": "Choose yes or no"},
                initial=None if row is None else ("yes" if row.given else "no"),
            )
            self.fields[purpose] = field

    def answers(self) -> dict[str, bool | None]:
        return {purpose: self.cleaned_data.get(purpose) for purpose in _CONSENT_QUESTIONS}


CONFIRM_MATCH = "confirm"
REJECT_MATCH = "reject"


class PossibleMatchForm(_RequiredMessages, NhsFormMixin, forms.Form):
    """Confirm or reject a possible match; on confirming, which typed details to copy."""

    required_messages = {"decision": "Choose whether this is the same person"}

    decision = forms.ChoiceField(
        label="Is this the same person?",
        choices=[
            (CONFIRM_MATCH, "Yes, the same person: add this referral to their record"),
            (REJECT_MATCH, "No, a different person: keep this referral's own record"),
        ],
        widget=forms.RadioSelect,
    )
    copy = forms.MultipleChoiceField(
        label="Details to copy to their record (if the same person)",
        required=False,
        help_text="Only what the referrer typed; nothing is copied unless you tick it.",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, copyable: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["copy"].choices = copyable  # type: ignore[attr-defined]


class CheckInForm(_RequiredMessages, NhsFormMixin, _MeasuresForm):
    """A re-measure between conversations: the friends question and/or the questionnaires."""

    required_messages = {"on": "Enter the date of the check-in"}

    on = forms.DateField(label="Date of the check-in", widget=_date_input())
    friends_count = forms.IntegerField(
        label="How many friends could you call on?",
        required=False,
        min_value=0,
        max_value=999,
        help_text="Leave empty if you did not ask. 0 means they told you none.",
        error_messages={
            "min_value": "How many friends could you call on? must be 0 or more",
            "max_value": "How many friends could you call on? must be 999 or fewer",
            "invalid": "How many friends could you call on? must be a whole number",
        },
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4", "inputmode": "numeric"}),
    )

    swemwbs_incomplete = "Answer all seven SWEMWBS statements, or leave them all empty"
    ons4_incomplete = "Answer all four ONS4 questions, or leave them all empty"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            not_in_future("The date of the check-in must be today or in the past")(data.get("on"))
        except forms.ValidationError as error:
            self.add_error("on", error)
        self.clean_measures(data)
        if (
            not self.errors
            and data.get("friends_count") is None
            and data["swemwbs_items"] is None
            and data["ons4"] is None
        ):
            self.add_error(
                "friends_count", "Enter the number of friends, or answer SWEMWBS or ONS4"
            )
        return data


_add_measure_fields(
    CheckInForm,
    swemwbs_invalid="{statement}: choose one of the answers",
    ons4_range="{short} must be between 0 and 10",
)
