"""Forms for the administrators' pages: users, teams, practices and PCNs."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms

from .forms import NhsFormMixin, UkPhoneField
from .models import PCN, Practice, Role, StaffType, Team, User

_ODS = re.compile(r"^[A-Z0-9]{3,10}$")


def _model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


class UserFilterForm(NhsFormMixin, forms.Form):
    q = forms.CharField(label="Name or username", required=False, max_length=100)
    role = forms.ChoiceField(
        label="Role", required=False, choices=[("", "Any role"), *Role.choices]
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("active", "Active"), ("inactive", "Deactivated"), ("all", "All")],
    )


class UserForm(NhsFormMixin, forms.ModelForm):
    """One form for every role. The User model's check constraints (a link worker needs a
    team, practice staff a practice) are checked here first, so the administrator sees an
    error on the right field instead of a database error."""

    send_invite = forms.BooleanField(
        label="Email them a link to set their password",
        required=False,
        initial=True,
    )

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "team",
            "practice",
            "staff_type",
        ]
        labels = {"email": "Email address", "staff_type": "Staff type"}
        help_texts = {
            "username": "Letters, digits and @ . + - _ only.",
            "team": "Link workers: the team whose caseload they see.",
            "practice": "Practice staff: the practice whose referrals they see.",
            "staff_type": "Practice staff only.",
        }

    def __init__(self, *args: Any, editor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editor = editor
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        self.fields["email"].required = True
        _model_choice(self, "team").empty_label = "No team"
        practice = _model_choice(self, "practice")
        practice.empty_label = "No practice"
        practice.queryset = Practice.objects.order_by("name")
        cast(forms.ChoiceField, self.fields["staff_type"]).choices = [
            ("", "Not practice staff"),
            *StaffType.choices,
        ]
        if self.instance.pk:
            # An existing user's invitation is sent from the "send a password reset" button.
            del self.fields["send_invite"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if email and taken.exists():
            raise forms.ValidationError("Another user already has this email address")
        return email

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        role = data.get("role")
        editing_self = self.editor is not None and self.instance.pk == self.editor.pk
        # An administrator who demoted themselves could not undo it (superusers stay admins).
        if editing_self and role != Role.ADMIN and not self.editor.is_superuser:
            self.add_error("role", "You cannot take away your own administrator role")
        if role == Role.LINK_WORKER and not data.get("team"):
            self.add_error("team", "Choose the team this link worker belongs to")
        if role == Role.PRACTICE_STAFF:
            if not data.get("practice"):
                self.add_error("practice", "Choose the practice this member of staff works at")
            if not data.get("staff_type"):
                self.add_error("staff_type", "Choose what kind of practice staff they are")
        # Scope fields that don't belong to the role are cleared, so a commissioner never keeps
        # a stale team that would widen what they see if scoping rules change.
        if role != Role.LINK_WORKER:
            data["team"] = None
        if role != Role.PRACTICE_STAFF:
            data["practice"] = None
            data["staff_type"] = ""
        return data


class TeamForm(NhsFormMixin, forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "code", "phone"]
        field_classes = {"phone": UkPhoneField}
        help_texts = {
            "code": "A short code, used by imports and settings (for example north).",
        }

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().lower()
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", code):
            raise forms.ValidationError(
                "Team code must be letters, digits, hyphens or underscores, with no spaces"
            )
        return code


class PCNForm(NhsFormMixin, forms.ModelForm):
    class Meta:
        model = PCN
        fields = ["name", "code"]
        labels = {"code": "PCN code"}
        help_texts = {"code": "The PCN's ODS code, for example U60123."}

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        if not _ODS.match(code):
            raise forms.ValidationError("Enter the PCN code as letters and digits, like U60123")
        return code


class PracticeForm(NhsFormMixin, forms.ModelForm):
    class Meta:
        model = Practice
        fields = ["name", "ods_code", "pcn", "team", "named_link_worker"]
        labels = {
            "pcn": "PCN",
            "team": "Serving team",
            "named_link_worker": "Named link worker",
        }
        help_texts = {
            "ods_code": "The practice's ODS code, for example B86011.",
            "named_link_worker": "A link worker of the serving team. New referrals from this "
            "practice go to them.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "pcn").empty_label = "No PCN"
        _model_choice(self, "team").empty_label = "No team"
        worker = _model_choice(self, "named_link_worker")
        worker.empty_label = "No named link worker"
        worker.queryset = (
            User.objects.filter(role=Role.LINK_WORKER, is_active=True)
            .select_related("team")
            .order_by("first_name", "last_name")
        )
        # Their team beside their name: the form refuses a link worker of another team.
        worker.label_from_instance = lambda u: (  # type: ignore[method-assign,assignment]
            f"{u.get_full_name() or u.username} ({u.team.name if u.team else 'no team'})"
        )

    def clean_ods_code(self) -> str:
        code = self.cleaned_data["ods_code"].strip().upper()
        if not _ODS.match(code):
            raise forms.ValidationError("Enter the ODS code as letters and digits, like B86011")
        return code

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        worker, team = data.get("named_link_worker"), data.get("team")
        if worker is not None:
            if team is None:
                self.add_error("team", "Choose the serving team before naming a link worker")
            elif worker.team_id != team.pk:
                self.add_error(
                    "named_link_worker",
                    f"Choose a link worker of {team.name}, the practice's serving team",
                )
        return data
