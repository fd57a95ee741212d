"""Normalization of names, emails, phones and domains: the keys that dedupe relies on."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from expo_crm.errors import ValidationError

#: Legal-form words dropped from company names before comparing them.
LEGAL_SUFFIXES = {
    "ltd",
    "ltda",
    "limited",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "llc",
    "plc",
    "gmbh",
    "ag",
    "kg",
    "sa",
    "s",
    "a",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "oy",
    "ab",
    "as",
    "kk",
    "pte",
    "pty",
    "me",
    "eireli",
    "epp",
    "group",
    "holding",
}
CJK_LEGAL_SUFFIXES = ("有限责任公司", "股份有限公司", "有限公司", "株式会社", "集团", "公司")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize_company_name(name: str) -> str:
    """Return the dedupe key of a company name: ``ACME Robotics GmbH`` → ``acme robotics``."""
    text = unicodedata.normalize("NFKC", name).strip()
    for suffix in CJK_LEGAL_SUFFIXES:
        text = text.replace(suffix, " ")
    text = strip_accents(text).lower().replace("&", " and ")
    words = re.findall(r"\w+", text)
    kept = [w for w in words if w not in LEGAL_SUFFIXES]
    return " ".join(kept or words)


def normalize_email(email: str) -> str:
    """Return the email in canonical lower-case form; raise ValidationError if malformed."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(
            "email", _("%(value)s is not a valid email address.", value=email.strip())
        ) from exc
    return result.normalized.lower()


def normalize_phone(phone: str, region: str | None = None) -> str:
    """Return the phone in E.164; raise ValidationError if it cannot be a number."""
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            "phone", _("%(value)s is not a phone number.", value=phone.strip())
        ) from exc
    if not phonenumbers.is_possible_number(number):
        raise ValidationError("phone", _("%(value)s is not a phone number.", value=phone.strip()))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def domain_of(url_or_email: str | None) -> str | None:
    """Return the bare domain of a website or email: ``https://www.acme.com/x`` → ``acme.com``."""
    if not url_or_email:
        return None
    text = url_or_email.strip().lower()
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z]+://", "", text).split("/", 1)[0].split(":", 1)[0]
    text = text.removeprefix("www.")
    return text or None


#: Domains of free mail providers: an email there says nothing about the employer.
FREE_MAIL_DOMAINS = {
    "gmail.com",
    "googlemail.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "yahoo.com",
    "yahoo.com.br",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "foxmail.com",
    "uol.com.br",
    "bol.com.br",
    "terra.com.br",
    "ig.com.br",
    "mail.ru",
    "yandex.ru",
    "proton.me",
    "protonmail.com",
}
