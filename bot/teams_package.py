"""Build the Teams app package: ``manifest.json`` plus the two icons, zipped at the root.

The template lives in ``teams/`` (``manifest.json`` with ``{{MicrosoftAppId}}`` placeholders,
``color.png`` 192×192, ``outline.png`` 32×32 white on transparent). ``build_package`` fills in
the bot's Microsoft App ID, checks what Teams would reject on upload, and writes a
reproducible zip (fixed timestamps, so the same input gives the same bytes).

Command line (via ``python app.py package``)::

    python app.py package [--app-id ID] [--out build/dxsupportbot.zip]
                          [--version 1.0.1] [--bot-domain bot.example.lg.jp]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import struct
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

TEAMS_DIR = Path(__file__).resolve().parent.parent / "teams"
DEFAULT_OUT = Path("build/dxsupportbot.zip")
PLACEHOLDER = "{{MicrosoftAppId}}"
MANIFEST = "manifest.json"
ICON_SIZES = {"color": 192, "outline": 32}
SCOPES = frozenset({"personal", "team", "groupChat"})
MAX_COMMANDS = 10

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_VERSION = re.compile(r"(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)")
_DOMAIN = re.compile(r"(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def normalize_app_id(app_id: str) -> str:
    """Return the app id in lower case; raise ``ValueError`` unless it is a GUID."""
    value = app_id.strip()
    if not _GUID.fullmatch(value):
        raise ValueError(
            f"Microsoft App ID が GUID の形式ではありません: {app_id!r}"
            "（例: 00000000-0000-0000-0000-000000000000。Azure の Bot リソースの"
            "「構成」に表示される値です）"
        )
    return value.lower()


def normalize_domain(value: str) -> str:
    """Host name for ``validDomains``; a URL such as the messaging endpoint is reduced to its host."""
    text = value.strip().lower()
    host = (urlsplit(text).hostname or "") if "://" in text else text
    if not _DOMAIN.fullmatch(host):
        raise ValueError(f"ドメイン名が正しくありません: {value!r}（例: bot.pref.example.lg.jp）")
    return host


def png_info(data: bytes) -> tuple[int, int, bool]:
    """Width, height and whether the PNG has transparency (alpha channel or tRNS chunk)."""
    if data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("PNG 形式ではありません")
    width, height, _depth, color_type = struct.unpack(">IIBB", data[16:26])
    has_alpha = color_type in (4, 6)
    pos = 8
    while not has_alpha and pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        has_alpha = kind == b"tRNS"
        if kind == b"IDAT":
            break
        pos += 12 + length
    return width, height, has_alpha


def check_icon(name: str, data: bytes) -> list[str]:
    """Problems Teams would reject for the icon ``name`` (``color`` or ``outline``)."""
    size = ICON_SIZES[name]
    try:
        width, height, has_alpha = png_info(data)
    except (ValueError, struct.error):
        return [f"{name}.png: PNG 形式ではありません"]
    problems = []
    if (width, height) != (size, size):
        problems.append(f"{name}.png: {size}×{size} の PNG が必要です（実際は {width}×{height}）")
    if name == "outline" and not has_alpha:
        problems.append("outline.png: 背景が透明（アルファチャンネル付き）の PNG が必要です")
    return problems


def _check_length(problems: list[str], where: str, value: object, limit: int) -> None:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where} が空です")
    elif len(value) > limit:
        problems.append(f"{where} は {limit} 文字以内にしてください（現在 {len(value)} 文字）")


def check_manifest(manifest: dict[str, Any]) -> list[str]:
    """Problems in a filled-in manifest that Teams would reject on upload (Japanese)."""
    problems: list[str] = []
    name, desc = manifest.get("name", {}), manifest.get("description", {})
    _check_length(problems, "name.short", name.get("short"), 30)
    if "full" in name:
        _check_length(problems, "name.full", name["full"], 100)
    _check_length(problems, "description.short", desc.get("short"), 80)
    _check_length(problems, "description.full", desc.get("full"), 4000)
    if not _VERSION.fullmatch(str(manifest.get("version", ""))):
        problems.append(f"version は 1.0.0 の形式にしてください: {manifest.get('version')!r}")
    if not _HEX_COLOR.fullmatch(str(manifest.get("accentColor", ""))):
        problems.append("accentColor は #RRGGBB の形式にしてください")
    if PLACEHOLDER in json.dumps(manifest, ensure_ascii=False):
        problems.append(f"{PLACEHOLDER} が置き換えられていません")
    for i, bot in enumerate(manifest.get("bots", [])):
        if unknown := set(bot.get("scopes", [])) - SCOPES:
            problems.append(f"bots[{i}].scopes に不明なスコープがあります: {sorted(unknown)}")
        for j, command_list in enumerate(bot.get("commandLists", [])):
            where = f"bots[{i}].commandLists[{j}]"
            commands = command_list.get("commands", [])
            if len(commands) > MAX_COMMANDS:
                problems.append(
                    f"{where}: コマンドは {MAX_COMMANDS} 個までです（{len(commands)} 個）"
                )
            for k, command in enumerate(commands):
                _check_length(problems, f"{where}.commands[{k}].title", command.get("title"), 32)
                _check_length(
                    problems, f"{where}.commands[{k}].description", command.get("description"), 128
                )
    return problems


def render_manifest(
    template: dict[str, Any],
    app_id: str,
    *,
    version: str | None = None,
    bot_domain: str | None = None,
) -> dict[str, Any]:
    """A copy of ``template`` with the app id (app ``id`` and every ``botId``) filled in."""
    manifest = json.loads(json.dumps(template))
    app_id = normalize_app_id(app_id)
    manifest["id"] = app_id
    for bot in manifest.get("bots", []):
        bot["botId"] = app_id
    if version is not None:
        if not _VERSION.fullmatch(version):
            raise ValueError(f"バージョンは 1.0.0 の形式で指定してください: {version!r}")
        manifest["version"] = version
    if bot_domain:
        domains = manifest.setdefault("validDomains", [])
        if (host := normalize_domain(bot_domain)) not in domains:
            domains.append(host)
    return manifest


def _zip_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def build_package(
    app_id: str,
    out: Path,
    *,
    version: str | None = None,
    bot_domain: str | None = None,
    source: Path = TEAMS_DIR,
) -> Path:
    """Write the Teams app package zip to ``out`` (a folder: into it) and return its path.

    Raises ``ValueError`` (Japanese message) for an app id that is not a GUID, a bad
    version or domain, or a template or icon that Teams would reject.
    """
    manifest_path = source / MANIFEST
    try:
        template = json.loads(manifest_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{manifest_path}:{exc.lineno}: JSON として読めません（{exc.msg}）"
        ) from exc
    manifest = render_manifest(template, app_id, version=version, bot_domain=bot_domain)
    icons = {name: (source / f"{name}.png").read_bytes() for name in ICON_SIZES}
    problems = check_manifest(manifest)
    for name, data in icons.items():
        problems += check_icon(name, data)
    if problems:
        raise ValueError(
            f"{source} のアプリパッケージに問題があります:\n  " + "\n  ".join(problems)
        )

    if out.is_dir():  # a folder given: the package goes into it under its usual name
        out = out / DEFAULT_OUT.name
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w") as archive:
            text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
            archive.writestr(_zip_entry(MANIFEST), text.encode("utf-8"))
            for name, data in icons.items():
                archive.writestr(_zip_entry(f"{name}.png"), data)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``app.py package``: build the zip; exit code 2 when the app id is missing or invalid."""
    parser = argparse.ArgumentParser(
        prog="app.py package", description="Teams アプリパッケージ（zip）を作成します。"
    )
    parser.add_argument(
        "--app-id",
        default=os.environ.get("MicrosoftAppId", ""),
        help="Azure Bot の Microsoft App ID（省略時は環境変数 MicrosoftAppId）",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"出力先（既定: {DEFAULT_OUT}）"
    )
    parser.add_argument(
        "--version", help="アプリのバージョン（例: 1.0.1。省略時はテンプレートの値）"
    )
    parser.add_argument("--bot-domain", help="validDomains に追加するボットのホスト名")
    args = parser.parse_args(argv)

    if not args.app_id.strip():
        print(
            "エラー: Microsoft App ID がありません。--app-id で指定するか、"
            "環境変数 MicrosoftAppId を設定してください。",
            file=sys.stderr,
        )
        return 2
    try:
        path = build_package(
            args.app_id, args.out, version=args.version, bot_domain=args.bot_domain
        )
    except ValueError as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
    print(f"Teams アプリパッケージを作成しました: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
