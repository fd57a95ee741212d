"""An installed wheel (not only a checkout) carries templates, kiosk, migrations and catalogs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_contains_every_package_and_resource(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("expo_crm-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    python_packages = {
        p.parent.relative_to(ROOT).as_posix()
        for p in (ROOT / "expo_crm").rglob("__init__.py")
        if "migrations" not in p.parts
    }
    for package in python_packages:
        assert f"{package}/__init__.py" in names, f"{package} missing from the wheel"
    for template in (ROOT / "templates").rglob("*.html"):
        assert "expo_crm/templates/" + template.relative_to(ROOT / "templates").as_posix() in names
    assert "expo_crm/templates/base.html" in names
    assert any(n.startswith("expo_crm/migrations/versions/") for n in names)
    assert "expo_crm/translations/zh_Hans_CN/LC_MESSAGES/messages.po" in names
    assert "expo_crm/static/css/app.css" in names
