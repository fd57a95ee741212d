"""Locale selection and locale-aware formatting of dates, numbers and money."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel import Locale
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
)
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from expo_crm.labels import label

SESSION_KEY = "locale"


def select_locale() -> Locale:
    """Pick the locale: the session's choice, the user's preference, then the browser's."""
    return _locale(_locale_key())


def _locale_key() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and jobs: the default language
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    principal = g.get("principal")  # set by the role guard: no User row load for this
    if principal is not None:
        user_locale = principal.locale
    else:
        user_locale = getattr(current_user, "locale", None) if current_user else None
    return locale_key(
        languages, session.get(SESSION_KEY), user_locale, request.headers.get("Accept-Language")
    )


def locale_key(
    languages: Mapping[str, str], chosen: Any, user_locale: Any, accept_language: str | None
) -> str:
    """The language of a request: the session's choice, the user's preference, then the
    browser's (``Accept-Language``)."""
    if chosen in languages:
        return str(chosen)
    if user_locale in languages:
        return str(user_locale)
    return _browser_locale(accept_language or "")


@functools.lru_cache(maxsize=256)
def _browser_locale(accept_language: str) -> str:
    # Browsers send zh-CN / zh-Hans; map any Chinese to Simplified Chinese.
    best = parse_accept_header(accept_language, LanguageAccept).best_match(
        ["en", "zh", "zh-CN", "zh-Hans", "zh-Hans-CN"]
    )
    return "zh_Hans_CN" if best and best.startswith("zh") else "en"


@functools.cache
def _locale(key: str) -> Locale:
    """One parsed Locale per language (parsing looks for the locale's data file on disk)."""
    return Locale.parse(key)


def select_timezone() -> str | None:
    return None  # the show's timezone is applied explicitly where a page shows local times


def current_locale_key() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return "zh_Hans_CN" if locale and locale.language == "zh" else "en"


def money(amount: Decimal | int | None, currency: str, whole: bool = False) -> str:
    """Format an amount in the current locale: ``€1,234.50`` / ``US$1,234.50``; ``whole``
    rounds to whole units (``R$1,378,206``) where a headline figure has little room."""
    if amount is None:
        return ""
    if not whole:
        return format_currency(amount, currency)
    units = Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return format_currency(units, currency, format=_whole_pattern(), currency_digits=False)


def _whole_pattern() -> str:
    """The locale's currency pattern without its decimals (``¤#,##0.00`` -> ``¤#,##0``)."""
    from flask_babel import get_locale

    locale = get_locale() or _locale("en")
    pattern = locale.currency_formats["standard"].pattern
    return re.sub(r"\.0+", "", pattern)


def init_app(app: Flask) -> None:
    filters: dict[str, Any] = {
        "money": money,
        "label": label,
        "number": lambda value, fmt=None: "" if value is None else format_decimal(value, fmt),
        "date": lambda value, fmt="medium": "" if value is None else format_date(value, fmt),
        "datetime": lambda value, fmt="medium": (
            "" if value is None else format_datetime(value, fmt)
        ),
        "percent": lambda value, fmt=None: (
            "" if value is None else format_percent(value, fmt or "#,##0.#%")
        ),
    }
    app.jinja_env.filters.update(filters)
