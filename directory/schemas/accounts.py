"""Account forms: register, sign in, reset and change a password, change a name or email address."""

from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from .fields import CleanString

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 1000  # long passphrases are welcome; megabytes of "password" are not
NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254
_WHITESPACE = re.compile(r"\s+")


class EmailField(CleanString):
    """An email address, required, stored lowercased."""

    def __init__(self, missing: str = "Enter your email address.", **kwargs):
        super().__init__(required=True, error_messages={"required": missing}, **kwargs)
        self.missing_message = missing

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).lower()
        if not text:
            raise ValidationError(self.missing_message)
        if len(text) > EMAIL_MAX_LENGTH:
            raise ValidationError(f"Email addresses are at most {EMAIL_MAX_LENGTH} characters long.")
        # A newline or space in an address is never real, and must never reach a mail header.
        if _WHITESPACE.search(text):
            raise ValidationError("An email address has no spaces in it, like name@example.org.")
        validate.Email(error="Enter an email address in the right format, like name@example.org.")(text)
        return text


class NameField(CleanString):
    """A person's name as they want it shown: one line, 1 to 100 characters."""

    def __init__(self, **kwargs):
        super().__init__(required=True, error_messages={"required": "Enter your name."}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = _WHITESPACE.sub(" ", super()._deserialize(value, attr, data, **kwargs)).strip()
        if not text:
            raise ValidationError("Enter your name.")
        if len(text) > NAME_MAX_LENGTH:
            raise ValidationError(f"Keep your name to {NAME_MAX_LENGTH} characters or fewer.")
        return text


class PasswordField(fields.String):
    """A new password, taken exactly as typed (spaces count)."""

    def __init__(self, missing: str = "Enter a password.", **kwargs):
        super().__init__(required=True, error_messages={"required": missing}, **kwargs)
        self.missing_message = missing

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text:
            raise ValidationError(self.missing_message)
        problem = password_problem(text)
        if problem:
            raise ValidationError(problem)
        return text


class GivenPassword(fields.String):
    """A password being checked (sign in, confirm a change): only required, never judged."""

    def __init__(self, missing: str, **kwargs):
        super().__init__(required=True, error_messages={"required": missing}, **kwargs)
        self.missing_message = missing

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text:
            raise ValidationError(self.missing_message)
        return text


def password_problem(password: str, email: str | None = None) -> str | None:
    """What is wrong with a new password, or None."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Your password must be at least {PASSWORD_MIN_LENGTH} characters long. A few words together is easy to remember."
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Your password must be at most {PASSWORD_MAX_LENGTH:,} characters long."
    if len(set(password)) == 1:
        return "Your password cannot be one character repeated. Try a few words together."
    if email and password.strip().lower() == email.strip().lower():
        return "Your password cannot be your email address."
    return None


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE  # csrf_token, next and anything a bot adds


class _NewPasswordForm(_Form):
    """A form that sets a password, checked against the account's email address."""

    def __init__(self, *, email: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.email = email

    @validates_schema
    def _not_the_email(self, data, **kwargs):
        email = data.get("email") or self.email
        if "password" in data and email and password_problem(data["password"], email):
            raise ValidationError(password_problem(data["password"], email), "password")


class RegisterInput(_NewPasswordForm):
    """A new account: name, email address and password."""

    name = NameField()
    email = EmailField()
    password = PasswordField(missing="Enter a password.")


class LoginInput(_Form):
    """Email address and password."""

    email = EmailField()
    password = GivenPassword(missing="Enter your password.")


class EmailInput(_Form):
    """An email address alone (asking for a reset link)."""

    email = EmailField()


class NewPasswordInput(_NewPasswordForm):
    """A new password, from a reset link."""

    password = PasswordField(missing="Enter a new password.")


class ChangePasswordInput(_NewPasswordForm):
    """The current password and a new one."""

    current_password = GivenPassword(missing="Enter your current password.")
    password = PasswordField(missing="Enter a new password.")


class ChangeEmailInput(_Form):
    """A new email address, confirmed with the current password."""

    new_email = EmailField(missing="Enter your new email address.")
    email_password = GivenPassword(missing="Enter your current password.")


class NameInput(_Form):
    """A new display name."""

    name = NameField()
