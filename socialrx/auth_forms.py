"""Django's authentication forms with NHS.UK classes."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms

from .forms import NhsFormMixin


class LoginForm(NhsFormMixin, auth_forms.AuthenticationForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Django autofocuses the username, which jumps keyboard and screen reader users past
        # the skip link and the page heading (NHS.UK: do not use autofocus).
        self.fields["username"].widget.attrs.pop("autofocus", None)


class PasswordResetForm(NhsFormMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(NhsFormMixin, auth_forms.SetPasswordForm):
    pass


class PasswordChangeForm(NhsFormMixin, auth_forms.PasswordChangeForm):
    pass


class SecurityCodeForm(NhsFormMixin, forms.Form):
    code = forms.CharField(
        label="Security code",
        max_length=20,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
        error_messages={"required": "Enter the security code"},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )


class SetupCodeForm(SecurityCodeForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = "The 6-digit code your authenticator app shows now."
        self.fields["code"].widget.attrs["inputmode"] = "numeric"
