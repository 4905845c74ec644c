"""The README's first lines must stay true: CI runs exactly its test command."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _command(prefix: str) -> str:
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:6]:
        if line.startswith(prefix):
            return line.split("`")[1]
    raise AssertionError(f"README has no line starting {prefix!r} near the top")


def test_ci_runs_the_readme_test_command_verbatim():
    test_cmd = _command("Run the tests:")
    assert test_cmd in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_run_command_starts_the_app_file_that_exists():
    run_cmd = _command("Start the app")
    assert "streamlit run app.py" in run_cmd and (ROOT / "app.py").exists()
