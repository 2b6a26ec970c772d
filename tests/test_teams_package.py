"""The Teams app package: zip layout, filled-in manifest, icons, and the command line."""

from __future__ import annotations

import json
import re
import shutil
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.teams_package import (
    TEAMS_DIR,
    build_package,
    check_icon,
    check_manifest,
    main,
    png_info,
)

APP_ID = "1f0e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
COMMANDS = ["ヘルプ", "研修申込", "申込状況", "担当者に相談", "相談状況", "対応待ち一覧",
            "プロフィール", "キャンセル"]  # fmt: skip
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _png(width: int, height: int, color_type: int = 6) -> bytes:
    """A minimal PNG with the given size and colour type (image data is not needed)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"") + chunk(b"IEND", b"")


@pytest.fixture
def package(tmp_path: Path) -> Iterator[zipfile.ZipFile]:
    path = build_package(APP_ID, tmp_path / "out" / "app.zip")
    with zipfile.ZipFile(path) as archive:
        yield archive


@pytest.fixture
def manifest(package: zipfile.ZipFile) -> dict:
    return json.loads(package.read("manifest.json").decode("utf-8"))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A writable copy of the shipped template, to break on purpose."""
    return Path(shutil.copytree(TEAMS_DIR, tmp_path / "teams"))


def test_zip_holds_exactly_the_manifest_and_two_icons_at_the_root(package: zipfile.ZipFile) -> None:
    assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
    assert package.testzip() is None


def test_manifest_has_the_app_id_in_id_and_bot_id(manifest: dict) -> None:
    assert manifest["id"] == APP_ID
    assert [bot["botId"] for bot in manifest["bots"]] == [APP_ID]
    assert "{{" not in json.dumps(manifest)


def test_manifest_uses_a_current_schema_and_japanese_names(manifest: dict) -> None:
    version = manifest["manifestVersion"]
    assert tuple(map(int, version.split("."))) >= (1, 19)
    assert manifest["$schema"].endswith(f"/teams/v{version}/MicrosoftTeams.schema.json")
    assert manifest["localizationInfo"]["defaultLanguageTag"] == "ja-jp"
    assert manifest["name"]["short"] == "DXサポートボット"
    assert manifest["name"]["full"] == "DXサポートボット（県庁DXヘルプデスク）"
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    assert manifest["developer"]["websiteUrl"].startswith("https://www.pref.example.lg.jp/")
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_bot_scopes_and_flags(manifest: dict) -> None:
    (bot,) = manifest["bots"]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert bot["supportsFiles"] is False
    assert bot["isNotificationOnly"] is False


def test_one_japanese_command_list_per_scope(manifest: dict) -> None:
    lists = manifest["bots"][0]["commandLists"]
    assert sorted(scope for lst in lists for scope in lst["scopes"]) == sorted(
        ["personal", "team", "groupChat"]
    )
    for lst in lists:
        assert len(lst["scopes"]) == 1
        assert 1 <= len(lst["commands"]) <= 10
        for command in lst["commands"]:
            assert JAPANESE.search(command["title"]), command
            assert JAPANESE.search(command["description"]), command
            assert len(command["title"]) <= 32 and len(command["description"]) <= 128
    personal = next(lst for lst in lists if lst["scopes"] == ["personal"])
    assert [c["title"] for c in personal["commands"]] == COMMANDS


def test_icon_sizes_and_outline_transparency(package: zipfile.ZipFile) -> None:
    assert png_info(package.read("color.png"))[:2] == (192, 192)
    width, height, has_alpha = png_info(package.read("outline.png"))
    assert (width, height, has_alpha) == (32, 32, True)


def test_package_is_reproducible(tmp_path: Path) -> None:
    folder = tmp_path / "into"
    folder.mkdir()
    assert build_package(APP_ID, folder) == folder / "dxsupportbot.zip"  # a folder given: into it
    first = build_package(APP_ID, tmp_path / "a.zip").read_bytes()
    second = build_package(APP_ID, tmp_path / "b.zip").read_bytes()
    assert first == second


def test_version_and_bot_domain_are_filled_in(tmp_path: Path) -> None:
    path = build_package(
        APP_ID.upper(),
        tmp_path / "app.zip",
        version="1.2.3",
        bot_domain="https://dxbot.pref.example.lg.jp/api/messages",
    )
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["id"] == APP_ID  # normalised to lower case
    assert manifest["version"] == "1.2.3"
    assert manifest["validDomains"][-1] == "dxbot.pref.example.lg.jp"
    assert len(manifest["validDomains"]) == len(set(manifest["validDomains"]))


@pytest.mark.parametrize(
    "app_id", ["", "not-a-guid", "1f0e2d3c4b5a69788695a4b3c2d1e0f9", f"{{{APP_ID}}}", APP_ID + "0"]
)
def test_invalid_app_id_is_rejected_in_japanese(tmp_path: Path, app_id: str) -> None:
    out = tmp_path / "app.zip"
    with pytest.raises(ValueError, match="GUID の形式ではありません"):
        build_package(app_id, out)
    assert not out.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"version": "1.0"}, "1.0.0 の形式"),
        ({"bot_domain": "not a domain"}, "ドメイン名が正しくありません"),
    ],
)
def test_invalid_version_or_domain_is_rejected(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_package(APP_ID, tmp_path / "app.zip", **kwargs)


def test_wrong_icon_size_is_reported_and_nothing_is_written(source: Path, tmp_path: Path) -> None:
    (source / "color.png").write_bytes(_png(200, 200, color_type=2))
    out = tmp_path / "app.zip"
    with pytest.raises(
        ValueError, match=r"color\.png: 192×192 の PNG が必要です（実際は 200×200）"
    ):
        build_package(APP_ID, out, source=source)
    assert list(tmp_path.glob("app.zip*")) == []


def test_outline_without_alpha_is_reported() -> None:
    assert check_icon("outline", _png(32, 32, color_type=6)) == []
    assert check_icon("outline", _png(32, 32, color_type=2)) == [
        "outline.png: 背景が透明（アルファチャンネル付き）の PNG が必要です"
    ]
    assert check_icon("color", b"GIF89a not a png") == ["color.png: PNG 形式ではありません"]


def test_broken_template_json_names_the_line(source: Path, tmp_path: Path) -> None:
    (source / "manifest.json").write_text('{\n  "id": ,\n}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"manifest\.json:2: JSON として読めません"):
        build_package(APP_ID, tmp_path / "app.zip", source=source)


def test_check_manifest_reports_what_teams_would_reject(manifest: dict) -> None:
    assert check_manifest(manifest) == []
    commands = manifest["bots"][0]["commandLists"][0]["commands"]
    commands.extend(commands[:3])
    commands[0]["title"] = "長" * 33
    manifest["description"]["short"] = "あ" * 81
    manifest["accentColor"] = "teal"
    problems = check_manifest(manifest)
    assert "bots[0].commandLists[0]: コマンドは 10 個までです（11 個）" in problems
    assert any("commands[0].title は 32 文字以内" in p for p in problems)
    assert "description.short は 80 文字以内にしてください（現在 81 文字）" in problems
    assert "accentColor は #RRGGBB の形式にしてください" in problems


def test_main_builds_the_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "build" / "dxsupportbot.zip"
    assert main(["--app-id", APP_ID, "--out", str(out)]) == 0
    assert zipfile.is_zipfile(out)
    assert str(out) in capsys.readouterr().out


def test_main_reads_the_app_id_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MicrosoftAppId", APP_ID)
    out = tmp_path / "app.zip"
    assert main(["--out", str(out)]) == 0
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read("manifest.json"))["id"] == APP_ID


def test_main_without_an_app_id_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    out = tmp_path / "app.zip"
    assert main(["--out", str(out)]) == 2
    assert "MicrosoftAppId" in capsys.readouterr().err
    assert not out.exists()


def test_main_with_an_invalid_app_id_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--app-id", "abc", "--out", str(tmp_path / "app.zip")]) == 2
    assert "GUID" in capsys.readouterr().err
