#!/usr/bin/env python3
"""Keep the catalogs in step with the code.

scripts/translations.py update        extract strings, merge them into every catalog
scripts/translations.py missing       print untranslated or fuzzy msgids as JSON
scripts/translations.py apply F.json  fill translations from {"msgid": "translation"}
scripts/translations.py compile       build the .mo files (setup.sh does this)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "expo_crm" / "translations"
POT = CATALOGS / "messages.pot"
PYBABEL = str(Path(sys.executable).with_name("pybabel"))


def catalogs() -> list[Path]:
    return sorted(CATALOGS.glob("*/LC_MESSAGES/messages.po"))


def update() -> None:
    subprocess.run(
        [
            PYBABEL,
            "extract",
            "--ignore-dirs=.* node_modules var",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "--sort-output",
            "-o",
            str(POT),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    subprocess.run(
        [PYBABEL, "update", "--no-fuzzy-matching", "-i", str(POT), "-d", str(CATALOGS)],
        cwd=ROOT,
        check=True,
    )


def missing() -> None:
    for path in catalogs():
        with path.open("rb") as source:
            catalog = read_po(source)
        todo = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
        print(json.dumps({str(path.relative_to(ROOT)): todo}, ensure_ascii=False, indent=1))


def apply(mapping_file: str) -> None:
    mapping = json.loads(Path(mapping_file).read_text())
    for path in catalogs():
        with path.open("rb") as source:
            catalog = read_po(source)
        for message in catalog:
            if message.id in mapping:
                message.string = mapping[message.id]
                message.flags.discard("fuzzy")
        with path.open("wb") as out:
            write_po(out, catalog, width=100, omit_header=False)


def compile_() -> None:
    subprocess.run([PYBABEL, "compile", "-d", str(CATALOGS)], check=True)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    {"update": update, "missing": missing, "compile": compile_}.get(
        command, lambda: apply(sys.argv[2]) if command == "apply" else sys.exit(__doc__)
    )()
