"""English and Simplified Chinese are complete: every string in the code is translated."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _extracted(tmp_path: Path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).with_name("pybabel")),
            "extract",
            "-F",
            "babel.cfg",
            "--ignore-dirs=.* node_modules var",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as source:
        return {m.id for m in read_po(source) if m.id}


def test_every_string_has_a_chinese_translation(tmp_path: Path) -> None:
    with (ROOT / "expo_crm/translations/zh_Hans_CN/LC_MESSAGES/messages.po").open("rb") as po:
        catalog = read_po(po)
    translated = {m.id: m for m in catalog if m.id}
    missing = []
    for msgid in sorted(_extracted(tmp_path), key=str):
        message = translated.get(msgid)
        if message is None or not message.string or message.fuzzy:
            missing.append(msgid)
            continue
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for source, target in zip(ids, strings, strict=False):
            assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(target)), msgid
    assert missing == [], "run scripts/translations.py update, then translate these"


def test_catalog_compiles_without_format_errors() -> None:
    """pybabel's own checks: a translation must use the same format placeholders."""
    with (ROOT / "expo_crm/translations/zh_Hans_CN/LC_MESSAGES/messages.po").open("rb") as po:
        catalog = read_po(po)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert problems == []
