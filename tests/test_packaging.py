"""An installed wheel (not only a checkout) carries templates, kiosk, migrations and catalogs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Run inside the installed copy: where its resources are, and whether the app serves them.
INSTALLED_CHECK = """
import json, sys
from expo_crm import PACKAGE_DIR, create_app, resource_dir
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                  "MEDIA_DIR": sys.argv[1], "TESTING": True})
client = app.test_client()
script = client.get("/kiosk/assets/kiosk.js")
print(json.dumps({
    "package": str(PACKAGE_DIR),
    "templates": str(resource_dir("templates")),
    "kiosk": str(resource_dir("kiosk")),
    "kiosk_static": app.blueprints["kiosk"].static_folder,
    "kiosk_template": app.jinja_env.get_template("kiosk/kiosk.html").filename,
    "badge_style": (resource_dir("templates") / "badges" / "_print.css").is_file(),
    "script": [script.status_code, b"kiosk" in script.data],
}))
"""


def _build_wheel(tmp_path: Path) -> Path:
    """Build the wheel from a copy of the checkout (a stale ``build/`` would leak into it)."""
    source = tmp_path / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("expo_crm", "templates", "kiosk"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("expo_crm-*.whl")
    return wheel


@pytest.mark.slow
def test_wheel_contains_every_package_and_resource(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
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
    for asset in (ROOT / "kiosk").rglob("*"):
        if asset.is_file():
            assert "expo_crm/kiosk/assets/" + asset.relative_to(ROOT / "kiosk").as_posix() in names
    assert "expo_crm/templates/base.html" in names
    assert any(n.startswith("expo_crm/migrations/versions/") for n in names)
    assert "expo_crm/translations/zh_Hans_CN/LC_MESSAGES/messages.po" in names
    assert "expo_crm/static/css/app.css" in names

    # Installed away from the checkout, the app finds its templates and serves the kiosk.
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
         str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-c", INSTALLED_CHECK, str(tmp_path / "media")],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "ignore"},
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    found = json.loads(run.stdout.strip().splitlines()[-1])
    installed = site / "expo_crm"
    assert found["package"] == str(installed)
    assert found["templates"] == str(installed / "templates")
    assert found["kiosk"] == str(installed / "kiosk" / "assets")
    assert found["kiosk_static"] == found["kiosk"]
    assert found["kiosk_template"] == str(installed / "templates" / "kiosk" / "kiosk.html")
    assert found["badge_style"] is True
    assert found["script"] == [200, True]
