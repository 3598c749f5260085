"""Django's authentication forms with NHS.UK classes."""

from __future__ import annotations

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
