"""プロフィール: ask a person's unit (所属) and tier (職位) when the directory does not know them.

The unit is typed freely and matched against the directory's unit names; the best candidates
come back as buttons, which may also be answered by typing (a number, 「人事課」, 「人事」) as
in the sign-up. The answers are saved by the ``save`` callback the feature passes in.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import (
    ComponentDialog,
    DialogTurnResult,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.dialogs.prompts import PromptOptions, TextPrompt

from bot import cards
from bot.texts import profile as texts
from dialogs.enrol import PickPrompt, numbered, pick_options
from knowledge.directory import Directory, Unit, fold, tier_words

SaveProfile = Callable[[TurnContext, Unit, str], Awaitable[None]]
# A reply that is a sentence, not a unit's name (課, 室, センター, or its reading かんさい…):
# it ends as a predicate does (「…できません」「…したい」「…忘れた」) or asks (「？」).
_SENTENCE = re.compile(r"(ません|ない|たい|です|ます|ました|ください|ほしい|欲しい|[^\s]た)[。.!！]*$|[?？]")
MISSES = 3  # unit names typed that match nothing, before the dialog says so and ends
UnitGone = Callable[[TurnContext], Awaitable[bool]]


class ProfileDialog(ComponentDialog):
    """Unit (free text → candidates), then tier.

    Started on behalf of a command (options ``{"then": name, "then_data": {...}}``), it ends
    with the same keys so that the handler resumes that command with its data. With
    ``unit_unknown_ok`` (a 相談, which the helpdesk can take), a unit the directory does not
    have resumes the command too, with ``unit_unknown`` in its data.
    """

    def __init__(
        self,
        directory: Callable[[], Directory],
        tiers: Sequence[str],
        save: SaveProfile,
        unit_gone: UnitGone,
    ) -> None:
        super().__init__(ProfileDialog.__name__)
        self._directory = directory
        self._tiers = list(tiers)
        self._save = save
        self._unit_gone = unit_gone  # the saved unit left the directory: say why we ask
        self.add_dialog(TextPrompt("unit_text"))
        self.add_dialog(PickPrompt("unit_choice"))
        self.add_dialog(PickPrompt("tier"))
        self.add_dialog(
            WaterfallDialog("steps", [self._ask_unit, self._choose_unit, self._ask_tier, self._finish])
        )
        self.initial_dialog_id = "steps"

    async def _ask_unit(self, step: WaterfallStepContext) -> DialogTurnResult:
        if (step.options or {}).get("kept"):
            prompt = texts.ASK_UNIT_KEPT.format(text=(step.options or {})["kept"])
        elif (step.options or {}).get("sentence"):
            prompt = texts.ASK_UNIT_NOT_SENTENCE
        elif (step.options or {}).get("again"):
            prompt = texts.ASK_UNIT_AGAIN
        elif await self._unit_gone(step.context):
            prompt = texts.ASK_UNIT_GONE
        else:
            prompt = texts.ASK_UNIT
        return await step.prompt("unit_text", PromptOptions(prompt=MessageFactory.text(prompt)))

    async def _choose_unit(self, step: WaterfallStepContext) -> DialogTurnResult:
        directory, typed = self._directory(), str(step.result)
        found = directory.find_units(typed)
        options = {k: v for k, v in (step.options or {}).items() if k not in ("kept", "sentence")}
        if not found and _SENTENCE.search(typed):  # 「Teamsにサインインできません」: no unit name
            then_data = options.get("then_data") or {}
            if options.get("then") == "escalate" and not then_data.get("query"):  # the 相談 itself
                return await step.replace_dialog("steps", {
                    **options, "then_data": {**then_data, "query": typed}, "kept": typed})
            return await step.replace_dialog("steps", {**options, "sentence": True})  # not a miss
        if not found:
            misses = int((step.options or {}).get("misses", 0)) + 1
            if misses >= MISSES:  # a unit the directory does not have (yet): no loop
                options = step.options or {}
                if options.get("then") and options.get("unit_unknown_ok"):  # 相談: to the helpdesk
                    await step.context.send_activity(texts.UNIT_NOT_FOUND_HELPDESK)
                    return await step.end_dialog({"then": options["then"], "then_data": {
                        **(options.get("then_data") or {}), "unit_unknown": True}})
                # a way forward: the helpdesk (the 相談 needs no unit), with what was typed
                query = texts.UNIT_NOT_FOUND_QUERY.format(unit=typed.strip()[:50])
                await step.context.send_activity(MessageFactory.attachment(cards.card(
                    [cards.text(texts.UNIT_NOT_FOUND)],
                    [cards.submit(texts.BUTTON_HELPDESK, "command", command="escalate", query=query,
                                  unit_unknown=True)])))
                return await step.end_dialog()
            return await step.replace_dialog("steps", {**(step.options or {}), "again": True,
                                                       "misses": misses})
        same = [u for u in directory.units.values() if fold(u.name) == fold(typed)]
        perfect = {u.code for u, score in found if score >= 100}  # names, aliases, readings
        if len(same) == 1 and perfect <= {same[0].code}:  # its own name, nobody else's: no question
            step.values["candidates"] = {same[0].name: same[0].code}
            return await step.next(same[0].name)
        if len(same) > 1:  # a name several units share (企画課): every one of them to choose from
            found = [(u, 100.0) for u in sorted(same, key=lambda u: (u.department_name, u.code))]
        # Labelled with the department: two units may share a name (総務課 in several 部).
        units = {texts.UNIT_LABEL.format(unit=u.name, department=u.department_name): u for u, _ in found}
        step.values["candidates"] = {label: u.code for label, u in units.items()}
        words = {label: (u.name, u.department_name) for label, u in units.items()}
        words[texts.RETYPE_UNIT] = texts.RETYPE_WORDS
        return await step.prompt("unit_choice", _choices(texts.CHOOSE_UNIT, [*units, texts.RETYPE_UNIT], words))

    async def _ask_tier(self, step: WaterfallStepContext) -> DialogTurnResult:
        chosen = step.result
        if chosen == texts.RETYPE_UNIT:
            return await step.replace_dialog("steps", {**(step.options or {}), "again": False})
        step.values["unit_code"] = step.values["candidates"][chosen]
        words = {tier: tier_words(tier) for tier in self._tiers}  # 「主事」 for 主事・技師
        return await step.prompt("tier", _choices(texts.ASK_TIER, self._tiers, words))

    async def _finish(self, step: WaterfallStepContext) -> DialogTurnResult:
        unit = self._directory().unit(step.values["unit_code"])
        tier = step.result
        if unit is None:  # the directory changed under us: ask again
            return await step.replace_dialog("steps", {**(step.options or {}), "again": True})
        await self._save(step.context, unit, tier)
        await step.context.send_activity(texts.SAVED.format(unit=unit.name, tier=tier))
        result: dict[str, Any] = {"profile": {"unit_code": unit.code, "tier": tier}}
        options = step.options or {}
        if options.get("then"):
            result["then"] = options["then"]
            result["then_data"] = options.get("then_data") or {}
        return await step.end_dialog(result)


PICK_ACTION = "profile.pick"  # a choice button: handed to the profile dialog if it is still open


def _choices(question: str, labels: Sequence[str], words: dict[str, Sequence[str]]) -> PromptOptions:
    """Buttons for ``labels``, each also picked by its number, its label or its ``words``.

    Submit buttons, not plain text: pressed on an old card once the dialog has ended, a label
    sent as text would become the answer to whatever was asked next (a 相談's question)."""
    prompt = MessageFactory.attachment(cards.card(
        [cards.text(question)], [cards.submit(label, PICK_ACTION, value=label) for label in labels]))
    return pick_options(prompt, numbered(labels, lambda label: (label, *words.get(label, ()))), texts.RETRY_CHOICE,
                        texts.RETRY_CHOICE, several=texts.SEVERAL)
