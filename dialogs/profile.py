"""プロフィール: ask a person's unit (所属) and tier (職位) when the directory does not know them."""

from __future__ import annotations

from collections.abc import Sequence

from botbuilder.core import MessageFactory, StatePropertyAccessor
from botbuilder.dialogs import (
    ComponentDialog,
    DialogTurnResult,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.dialogs.choices import Choice, ListStyle
from botbuilder.dialogs.prompts import ChoicePrompt, PromptOptions, TextPrompt

from bot import texts


class ProfileDialog(ComponentDialog):
    """Two questions, then the answers go into the user's profile property."""

    def __init__(self, profile: StatePropertyAccessor, tiers: Sequence[str]) -> None:
        super().__init__(ProfileDialog.__name__)
        self._profile = profile
        self._tiers = list(tiers)
        self.add_dialog(TextPrompt("unit"))
        self.add_dialog(ChoicePrompt("tier", default_locale="ja-jp"))
        self.add_dialog(WaterfallDialog("steps", [self._ask_unit, self._ask_tier, self._save]))
        self.initial_dialog_id = "steps"

    async def _ask_unit(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.prompt("unit", PromptOptions(prompt=MessageFactory.text(texts.PROFILE_ASK_UNIT)))

    async def _ask_tier(self, step: WaterfallStepContext) -> DialogTurnResult:
        step.values["unit"] = str(step.result).strip()
        return await step.prompt(
            "tier",
            PromptOptions(
                prompt=MessageFactory.text(texts.PROFILE_ASK_TIER),
                retry_prompt=MessageFactory.text(texts.PROFILE_RETRY_CHOICE),
                choices=[Choice(t) for t in self._tiers],
                style=ListStyle.hero_card,
            ),
        )

    async def _save(self, step: WaterfallStepContext) -> DialogTurnResult:
        profile = {"unit_name": step.values["unit"], "tier": step.result.value}
        await self._profile.set(step.context, profile)
        await step.context.send_activity(
            texts.PROFILE_SAVED.format(unit=profile["unit_name"], tier=profile["tier"])
        )
        return await step.end_dialog(profile)
