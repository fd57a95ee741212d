"""Render a message from its template, and build the MIME e-mail from an outbox row.

Templates edited by the organizer are user input: they are parsed by Jinja's sandboxed
environment and accepted only if they use nothing but text, ``{{ variable }}`` (with a few
harmless filters) and ``{% if %}`` over the message's own variables, which are plain
strings. The rendered text is escaped into the fixed HTML layout, so an edited template can
neither reach Python objects nor inject markup.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from expo_crm.db import utcnow
from expo_crm.errors import ValidationError
from expo_crm.mail.models import Message

#: Longest template text accepted (subject and body together).
MAX_TEMPLATE_CHARS = 20_000
#: Filters an edited template may apply to a variable.
SAFE_FILTERS = frozenset({"upper", "lower", "title", "capitalize", "trim", "default"})
#: Jinja nodes an edited template may contain.
ALLOWED_NODES = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.If,
    nodes.Not,
    nodes.And,
    nodes.Or,
    nodes.Compare,
    nodes.Operand,
    nodes.Filter,
)

_env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    """Parse a template once (campaigns render the same text for thousands of people)."""
    return _env.from_string(source)


@functools.lru_cache(maxsize=256)
def _checked(source: str, allowed: tuple[str, ...]) -> None:
    check_template(source, allowed)


def check_template(source: str, allowed: tuple[str, ...], field: str = "body") -> None:
    """Refuse a template that is too long, malformed, or uses more than plain variables.

    Raise ValidationError naming the problem (and the line, for syntax errors).
    """
    if len(source) > MAX_TEMPLATE_CHARS:
        raise ValidationError(
            field, _("The text is too long (at most %(n)s characters).", n=MAX_TEMPLATE_CHARS)
        )
    try:
        tree = _env.parse(source)
    except TemplateSyntaxError as exc:
        raise ValidationError(
            field, _("Line %(line)s: %(problem)s", line=exc.lineno, problem=exc.message)
        ) from exc
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, ALLOWED_NODES):
            raise ValidationError(
                field,
                _("Only %(var)s and %(if)s blocks may be used in a template.",
                  var="{{ variables }}", **{"if": "{% if %}"}),
            )  # fmt: skip
        if isinstance(node, nodes.Filter) and node.name not in SAFE_FILTERS:
            raise ValidationError(
                field, _("The filter '%(name)s' is not available.", name=node.name)
            )
        if isinstance(node, nodes.Name) and node.name not in allowed:
            raise ValidationError(
                field,
                _("Unknown variable '%(name)s'. Available: %(names)s.",
                  name=node.name, names=", ".join(allowed)),
            )  # fmt: skip


def render_text(source: str, values: Mapping[str, str], allowed: tuple[str, ...]) -> str:
    """Render one checked template text with string values (sandboxed)."""
    _checked(source, allowed)  # raises (and caches nothing) when refused
    try:
        return _compiled(source).render(**{k: str(values.get(k, "")) for k in allowed})
    except TemplateError as exc:
        raise ValidationError(
            "body", _("The template cannot be rendered: %(problem)s", problem=str(exc))
        ) from exc


def render_message(
    subject: str,
    body: str,
    values: Mapping[str, str],
    allowed: tuple[str, ...],
    *,
    language: str,
    qr: bool = False,
    link: str | None = None,
    link_label: str = "",
    unsubscribe_url: str | None = None,
    footer: str = "",
    qr_src: str = "cid:qr-code",
) -> Rendered:
    """Render subject and body, then lay them into the plain-text and HTML parts."""
    subject_text = " ".join(render_text(subject, values, allowed).split())[:300]
    body_text = render_text(body, values, allowed).strip()
    paragraphs = [p.strip() for p in body_text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    text_parts = [*paragraphs]
    if link:
        text_parts.append(f"{link_label}\n{link}" if link_label else link)
    if footer:
        text_parts.append(footer)
    if unsubscribe_url:
        text_parts.append(f"{_UNSUBSCRIBE[language]}\n{unsubscribe_url}")
    html = render_template(
        "mail/message.html",
        language=language,
        subject=subject_text,
        paragraphs=[Markup("<br>").join(escape(p).split("\n")) for p in paragraphs],
        qr=qr,
        qr_src=qr_src,
        link=link,
        link_label=link_label or link,
        footer=footer,
        unsubscribe_url=unsubscribe_url,
        unsubscribe_label=_UNSUBSCRIBE[language],
    )
    return Rendered(subject_text, "\n\n".join(text_parts) + "\n", html)


_UNSUBSCRIBE = {
    "en": "You receive this because you agreed to hear from us. Unsubscribe:",
    "zh": "您收到此邮件是因为您同意接收我们的信息。退订：",
}

#: Content-ID of the inline QR image in the HTML part.
QR_CID = "qr-code"
CONTENT_LANGUAGE = {"en": "en", "zh": "zh-Hans"}


def build_email(message: Message, sender: str) -> EmailMessage:
    """Build the MIME message of an outbox row: text, HTML and the inline QR image."""
    email = EmailMessage()
    display, address = parseaddr(sender)
    email["From"] = formataddr((display, address)) if address else sender
    email["To"] = formataddr((message.to_name, message.to_address))
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow())
    domain = address.rpartition("@")[2] or "localhost"
    email["Message-ID"] = f"<{message.message_id}@{domain}>"
    email["X-Expo-Topic"] = str(message.topic)
    if message.kind == "transactional":
        email["Auto-Submitted"] = "auto-generated"
    for name, value in (message.headers or {}).items():
        email[name] = value
    # Quoted-printable keeps every line within SMTP's limit whatever the text holds.
    email.set_content(message.body_text, charset="utf-8", cte="quoted-printable")
    email.add_alternative(
        message.body_html, subtype="html", charset="utf-8", cte="quoted-printable"
    )
    # After the content: setting content clears every Content-* header.
    email["Content-Language"] = CONTENT_LANGUAGE.get(message.language, message.language)
    if message.qr_payload:
        html_part: Any = list(email.iter_parts())[1]
        html_part.add_related(
            qr_image(message.qr_payload), "image", "png", cid=f"<{QR_CID}>", filename="qr.png"
        )
    return email


def qr_data_uri(text: str) -> str:
    """The QR code of ``text`` as a data: URI, for showing a message in the back office."""
    import base64

    return "data:image/png;base64," + base64.b64encode(qr_image(text)).decode()


def with_inline_qr(html: str, text: str | None) -> str:
    """A stored HTML part with its inline QR image shown from a data: URI (for previews)."""
    if not text:
        return html
    return html.replace(f'src="cid:{QR_CID}"', f'src="{qr_data_uri(text)}"')


def qr_image(text: str, scale: int = 8) -> bytes:
    """The QR code of ``text`` as a PNG with ``scale`` pixels a module (no smoothing needed)."""
    import io

    from PIL import Image

    from expo_crm.badges.qr import qr_matrix

    matrix = qr_matrix(text)
    size = len(matrix)
    image = Image.new("1", (size, size), 1)
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    image = image.resize((size * scale, size * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
