"""Configuration: defaults, the Azure variable names, and a clear exit 2 on bad values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_run_without_azure_credentials() -> None:
    settings = load_settings(_env_file=None)
    assert settings.database_url.startswith("sqlite+aiosqlite:///data/")
    assert settings.auth_enabled is False
    assert settings.port == 3978


def test_shipped_content_is_found_from_any_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(_env_file=None)
    assert settings.faq_dir == ROOT / "content" / "faq"
    assert all(p.exists() for p in (settings.org_dir, settings.courses_dir, settings.intents_file))
    monkeypatch.setenv("FAQ_DIR", "my-faq")  # a path given is taken as given
    assert load_settings(_env_file=None).faq_dir == Path("my-faq")


def test_azure_names_and_lists_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MicrosoftAppId", "app")
    monkeypatch.setenv("MicrosoftAppTenantId", "tenant")
    monkeypatch.setenv("ALLOWED_TENANT_IDS", "a, b ,,c")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings(_env_file=None)
    assert settings.auth_enabled
    assert settings.allowed_tenant_ids == {"a", "b", "c"}
    assert settings.log_level == "DEBUG"


def test_a_threshold_left_empty_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAQ_ANSWER_THRESHOLD", "")
    monkeypatch.setenv("FAQ_CLARIFY_THRESHOLD", " 0.3 ")
    settings = load_settings(_env_file=None)
    assert (settings.faq_answer_threshold, settings.faq_clarify_threshold) == (None, 0.3)
    monkeypatch.setenv("FAQ_CLARIFY_THRESHOLD", "0.75")  # above the answer threshold (0.7 by default)
    with pytest.raises(ConfigError, match=r"FAQ_CLARIFY_THRESHOLD \(0.75\) は FAQ_ANSWER_THRESHOLD \(0.7、既定値\) 以下"):
        load_settings(_env_file=None)
    monkeypatch.setenv("FAQ_ANSWER_THRESHOLD", "0,7")  # a typo is still an error, named
    with pytest.raises(ConfigError, match="FAQ_ANSWER_THRESHOLD"):
        load_settings(_env_file=None)



def test_a_data_folder_left_empty_means_the_default_not_the_current_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("FAQ_DIR", "ORG_DIR", "COURSES_DIR", "INTENTS_FILE"):
        monkeypatch.setenv(name, " ")
    settings = load_settings(_env_file=None)
    defaults = Settings.model_fields
    for key in ("faq_dir", "org_dir", "courses_dir", "intents_file"):
        assert getattr(settings, key) == defaults[key].default and getattr(settings, key).is_absolute()

@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PORT": "abc"}, "PORT"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite+aiosqlite:///"}, "DATABASE_URL"),
        ({"MicrosoftAppId": "x", "MicrosoftAppTenantId": ""}, "MicrosoftAppTenantId"),
    ],
)
def test_invalid_configuration_names_the_variable(monkeypatch: pytest.MonkeyPatch, env: dict, named: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=named):
        load_settings(_env_file=None)


def test_app_exits_2_on_invalid_configuration(tmp_path: Path) -> None:
    env = {**os.environ, "PORT": "70000", "DATABASE_URL": "postgresql+asyncpg://u:hunter2@h/db"}
    result = subprocess.run([sys.executable, str(ROOT / "app.py"), "migrate"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "PORT" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout


def test_reading_the_settings_does_not_load_the_matcher(tmp_path: Path) -> None:
    # The enrolment and escalation commands read the settings too; the thresholds' defaults
    # come from a module of their own, not from the matcher (numpy, Sudachi: a quarter second).
    script = "import sys, bot.config; bot.config.load_settings(); print(sorted({'knowledge.matcher', 'numpy'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env={**os.environ, "FAQ_CLARIFY_THRESHOLD": "0.3"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_readme_gives_the_thresholds_as_shipped() -> None:
    from knowledge.match_settings import INTENT_MATCHING, MatchSettings

    readme, faq, phrases = (ROOT / "README.md").read_text(encoding="utf-8"), MatchSettings(), INTENT_MATCHING
    assert (f"| {faq.answer_threshold} / {faq.clarify_threshold} (`knowledge/match_settings.py`。"
            f"回答には 2 位との差 {faq.answer_margin} も要ります) |") in readme
    assert f"(回答 {phrases.answer_threshold}、次の候補との差 {phrases.answer_margin})" in readme


def test_env_example_and_readme_document_every_variable() -> None:
    from bot.config import Settings

    names = {str(f.validation_alias.choices[0]) for f in Settings.model_fields.values()}
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert {n for n in names if f"{n}=" not in example} == set()
    assert {n for n in names if f"`{n}`" not in readme} == set()
