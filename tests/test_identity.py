"""Who is this Teams user: directory by Entra ID, then by UPN from Teams, then their own profile."""

from __future__ import annotations

from pathlib import Path

from bot.devchannel.client import DevUser
from bot.devchannel.harness import Harness
from bot.texts import profile
from tests.conftest import make_settings

BY_AAD = DevUser("aad", "佐藤 花子", "d1cb8940-7937-5150-b23f-c6407ddb8eb8", "sato.hanako@pref.example.lg.jp")
# In the directory without an object id: found through the UPN that Teams reports.
BY_UPN = DevUser("upn", "石井 遥", "7e57a11d-0000-4000-8000-00000000a001", "Ishii.Haruka@pref.example.lg.jp")
STRANGER = DevUser("stranger", "外部 太郎", "7e57a11d-0000-4000-8000-00000000a002", "gaibu@example.com")


async def test_directory_by_object_id_needs_no_member_lookup(sqlite_url: str) -> None:
    async with Harness(make_settings(sqlite_url), [BY_AAD]) as h:
        await h.client.send("aad", "プロフィール")
        assert "デジタル改革推進課" in h.client.transcript("aad")
        assert h.channel.member_lookups == 0


async def test_directory_by_upn_from_teams_is_looked_up_once(sqlite_url: str) -> None:
    async with Harness(make_settings(sqlite_url), [BY_UPN]) as h:
        await h.client.send("upn", "プロフィール")
        await h.client.send("upn", "プロフィール")
        text = h.client.transcript("upn")
        assert text.count("河川課") == 2 and profile.FROM_DIRECTORY in text  # UPN case ignored
        assert h.channel.member_lookups == 1  # cached


async def test_someone_unknown_is_asked_and_then_remembered(sqlite_url: str) -> None:
    async with Harness(make_settings(sqlite_url), [STRANGER]) as h:
        await h.client.send("stranger", "プロフィール")
        assert profile.NONE in h.client.transcript("stranger")
        await h.client.send("stranger", "道路企画")  # part of the name: the candidates
        await h.client.press("stranger", h.client.last_buttons("stranger")[0])
        await h.client.send("stranger", "4")  # 主査, by number
        assert profile.SAVED.format(unit="道路企画課", tier="主査") in h.client.transcript("stranger")
        await h.client.send("stranger", "プロフィール")
        text = h.client.transcript("stranger")
        assert profile.FROM_PROFILE in text and profile.BUTTON_CHANGE in text


async def test_a_failed_member_lookup_is_tried_again_later(sqlite_url: str) -> None:
    async with Harness(make_settings(sqlite_url), [BY_UPN]) as h:
        member = h.channel.members.pop(BY_UPN.teams_id)  # Teams does not know the member yet
        await h.client.send("upn", "プロフィール")
        assert profile.NONE in h.client.transcript("upn")
        await h.client.send("upn", "キャンセル")
        h.channel.members[BY_UPN.teams_id] = member
        await h.client.send("upn", "プロフィール")
        assert "河川課" in h.client.transcript("upn")
        found_after = h.channel.member_lookups
        await h.client.send("upn", "プロフィール")
        assert h.channel.member_lookups == found_after  # a success is cached


async def test_the_upn_is_stored_with_the_conversation_reference(sqlite_url: str) -> None:
    from sqlmodel import select

    from domain.models import ConversationRefRow

    async with Harness(make_settings(sqlite_url), [BY_AAD, BY_UPN, STRANGER]) as h:
        for key in ("aad", "upn", "stranger"):
            await h.client.send(key, "ヘルプ")
        async with h.runtime.sessions() as session:
            rows = {r.user_id: r.upn for r in (await session.execute(select(ConversationRefRow))).scalars()}
    assert rows[BY_AAD.aad_object_id] == "sato.hanako@pref.example.lg.jp"
    assert rows[BY_UPN.aad_object_id] == "ishii.haruka@pref.example.lg.jp"  # lower-cased
    assert rows[STRANGER.aad_object_id] == "gaibu@example.com"


async def test_a_profile_whose_unit_left_the_directory_is_asked_again(sqlite_url: str, tmp_path: Path) -> None:
    import shutil

    from tests.conftest import ROOT

    org = tmp_path / "org"
    shutil.copytree(ROOT / "content" / "org", org)
    async with Harness(make_settings(sqlite_url, org_dir=org), [STRANGER]) as h:
        await h.client.send("stranger", "プロフィール")
        await h.client.send("stranger", "道路企画")  # part of the name: the candidates
        await h.client.press("stranger", h.client.last_buttons("stranger")[0])
        await h.client.send("stranger", "4")
        assert profile.SAVED.format(unit="道路企画課", tier="主査") in h.client.transcript("stranger")
        for other in org.glob("*.yaml"):  # a reorganisation: the unit gets a new code
            other.write_text(other.read_text(encoding="utf-8").replace("DOB-01", "DOB-11"), encoding="utf-8")
        assert not (await h.runtime.directory.reload()).errors
        await h.client.send("stranger", "プロフィール")
        asked = h.client.transcript("stranger")
        assert profile.ASK_UNIT_GONE in asked and profile.NONE not in asked
        await h.client.send("stranger", "道路企画")  # part of the name: the candidates
        await h.client.press("stranger", h.client.last_buttons("stranger")[0])
        await h.client.send("stranger", "4")
        await h.client.send("stranger", "プロフィール")
        assert "道路企画課（県土整備部）" in h.client.transcript("stranger")


async def test_a_profiles_unit_code_is_read_as_the_directory_now_spells_it(sqlite_url: str, tmp_path: Path) -> None:
    import shutil

    from sqlmodel import select

    from domain.models import FaqQueryRow
    from tests.conftest import ROOT

    org = tmp_path / "org"
    shutil.copytree(ROOT / "content" / "org", org)

    def renumber(old: str, new: str) -> None:
        for file in org.glob("*.yaml"):
            file.write_text(file.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")

    renumber("DOB-01", '"1"')
    async with Harness(make_settings(sqlite_url, org_dir=org), [STRANGER]) as h:
        await h.client.send("stranger", "プロフィール")
        await h.client.send("stranger", "道路企画")  # part of the name: the candidates
        await h.client.press("stranger", h.client.last_buttons("stranger")[0])
        await h.client.send("stranger", "4")  # saved with the unit code 1
        renumber('"1"', '"001"')  # the same unit, its code now written with leading zeros
        assert not (await h.runtime.directory.reload()).errors
        await h.client.send("stranger", "VPNが遅い")
        async with h.runtime.sessions() as session:
            row = (await session.execute(select(FaqQueryRow))).scalars().one()
    assert row.unit_code == "001"  # as the directory spells it: reports count one unit


async def test_an_admin_is_told_why_when_the_organisation_files_never_loaded(sqlite_url: str, tmp_path: Path) -> None:
    import shutil

    from bot import texts
    from tests.conftest import ROOT

    org = tmp_path / "org"
    shutil.copytree(ROOT / "content" / "org", org)
    with (org / "roles.yaml").open("a", encoding="utf-8") as f:
        f.write("\n  - [oops\n")
    async with Harness(make_settings(sqlite_url, org_dir=org), [BY_AAD]) as h:
        assert not h.runtime.directory.status.ready
        for command in ("管理", "管理 研修集計", "管理 相談集計"):
            await h.client.send("aad", command)
            assert h.client.transcript("aad") == texts.ADMIN_UNVERIFIED, command


async def test_a_units_exact_name_is_asked_when_another_unit_goes_by_it(sqlite_url: str, tmp_path: Path) -> None:
    # 県土整備部 has a unit named DX推進課, which is also デジタル改革推進課's alias; and 企画課 is
    # the name of four units: every one of them is offered
    import shutil

    from tests.conftest import ROOT

    org = tmp_path / "org"
    shutil.copytree(ROOT / "content" / "org", org)
    extra = "".join(
        f"  - {{code: {code}, name: {name}, department_code: {dep}, department_name: {dname}}}\n"
        for code, name, dep, dname in [
            ("DOB-03", "DX推進課", "DOB", "県土整備部"), ("SOM-10", "企画課", "SOM", "総務部"),
            ("KEN-10", "企画課", "KEN", "健康医療福祉部"), ("DOB-10", "企画課", "DOB", "県土整備部"),
            ("NOU-10", "企画課", "NOU", "農林水産部")])
    with (org / "units.yaml").open("a", encoding="utf-8") as f:
        f.write(extra)
    async with Harness(make_settings(sqlite_url, org_dir=org), [STRANGER]) as h:
        await h.client.send("stranger", "プロフィール")
        await h.client.send("stranger", "DX推進課")
        said = h.client.transcript("stranger")
        assert profile.CHOOSE_UNIT in said and "デジタル改革推進課" in said and "DX推進課（県土整備部）" in said
        await h.client.send("stranger", "どれでもない")
        await h.client.send("stranger", "企画課")
        said = h.client.transcript("stranger")
        assert all(f"企画課（{d}）" in said for d in ("総務部", "健康医療福祉部", "県土整備部", "農林水産部"))
