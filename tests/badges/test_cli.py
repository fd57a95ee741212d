"""`expo-crm badges print` through the CLI runner."""

from __future__ import annotations

from expo_crm.badges.models import Badge


def test_print_command_writes_one_pdf(runner, db, show, create_registration, tmp_path) -> None:
    for name in ("Zoë Adams", "王 秀英", "Bruno Brito"):
        create_registration(name)
    out = tmp_path / "badges.pdf"
    result = runner.invoke(
        args=["badges", "print", "--show", show.code, "--out", str(out), "--processes", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 3 badges" in result.output
    assert out.read_bytes().startswith(b"%PDF")
    assert all(b.print_count == 1 for b in db.query(Badge).all())
    again = runner.invoke(
        args=["badges", "print", "--show", show.code, "--out", str(out), "--unprinted-only"]
    )
    assert again.exit_code != 0
    assert "no pre-registered badges" in again.output


def test_print_command_refuses_an_unknown_show(runner, tmp_path) -> None:
    result = runner.invoke(args=["badges", "print", "--show", "NOPE", "--out", str(tmp_path / "x")])
    assert result.exit_code != 0
    assert "No show edition NOPE" in result.output
