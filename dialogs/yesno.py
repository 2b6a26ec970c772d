"""Japanese yes/no, because botbuilder's ConfirmPrompt recognises neither はい nor いいえ
(and its fallback picks an order that changes between processes)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs.prompts import Prompt, PromptOptions, PromptRecognizerResult
from botbuilder.schema import ActionTypes, CardAction

YES_TITLE = "はい"
NO_TITLE = "いいえ"

_YES = {
    "はい", "はいっ", "うん", "ええ", "yes", "y", "ok", "okay", "okです", "おk", "おけ", "オッケー",
    "おっけー", "お願いします", "おねがいします", "お願いいたします", "お願い", "それで", "それでお願いします",
    "了解", "了解です", "りょうかい", "承知しました", "承知いたしました", "よろしく", "よろしくお願いします",
    "よろしくお願いいたします", "確定", "申し込む", "申込む", "申し込みます", "申込みます", "送信", "送る",
    "送ります", "はいお願いします", "はいそれで", "いいよ",
}
# 「いいです」「大丈夫です」 mean "yes, fine" as often as "no, thanks": neither, the question is asked again
_NO = {
    "いいえ", "いや", "いえ", "no", "n", "やめる", "やめます", "やめて", "やめとく", "やっぱりやめる",
    "結構です", "けっこうです", "不要", "いらない", "しない", "しません", "ちがう", "違う", "違います",
    "だめ", "ダメ", "やっぱいい", "やっぱいいです", "やっぱりいい", "やっぱりいいです", "やっぱやめる",
    "やっぱりやめます", "やめときます", "やめておきます", "今回はやめておきます", "見送ります", "今回は見送ります",
    "やはりやめます", "やはりやめる", "やはりいいです", "やはり結構です", "キャンセルします",
}
_TRIM = re.compile(r"[\s。、.,!！?？〜~ー-]+$|^[\s]+")
_PARTS = re.compile(r"[\s。、.,!！?？]+")


_KATAKANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_KATAKANA)
    return _TRIM.sub("", folded).strip()


_YES_KEYS = {_key(w) for w in _YES}
_NO_KEYS = {_key(w) for w in _NO}


def parse_yes_no(
    text: str | None, yes: Iterable[str] = (), no: Iterable[str] = ()
) -> bool | None:
    """True for yes, False for no, None when the text is neither.

    ``yes``/``no`` add the words of this question, typically its buttons' labels
    (「送信する」「取り消す」 are yes there, 「やめる」 no); they win over the shared words.
    """
    key = _key(text or "")
    if not key:
        return None
    if key in {_key(w) for w in yes}:
        return True
    if key in {_key(w) for w in no}:
        return False
    if key in _YES_KEYS:
        return True
    if key in _NO_KEYS:
        return False
    # 「はい、お願いします」「いいえ、結構です」: every part says the same
    parts = [part for part in _PARTS.split(key) if part]
    if len(parts) > 1:
        said = {parse_yes_no(part, yes, no) for part in parts}
        if len(said) == 1:
            return said.pop()
    return None


def yes_no_options(prompt: str, retry: str) -> PromptOptions:
    """Options for a :class:`YesNoPrompt`."""
    return PromptOptions(prompt=MessageFactory.text(prompt), retry_prompt=MessageFactory.text(retry))


class YesNoPrompt(Prompt):
    """A confirm prompt that understands Japanese; はい/いいえ shown as suggested actions.

    The result is True or False. A button press (``value.answer``) counts as well as text.
    """

    async def on_prompt(
        self, turn_context: TurnContext, state: dict[str, object], options: PromptOptions, is_retry: bool
    ) -> None:
        prompt = options.retry_prompt if is_retry and options.retry_prompt else options.prompt
        message = MessageFactory.suggested_actions(
            [CardAction(type=ActionTypes.im_back, title=t, value=t) for t in (YES_TITLE, NO_TITLE)],
            prompt.text if prompt else "",
        )
        await turn_context.send_activity(message)

    async def on_recognize(
        self, turn_context: TurnContext, state: dict[str, object], options: PromptOptions
    ) -> PromptRecognizerResult:
        result = PromptRecognizerResult()
        activity = turn_context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        answer = parse_yes_no(str(value.get("answer", ""))) if "answer" in value else None
        if answer is None:
            answer = parse_yes_no(activity.text)
        if answer is not None:
            result.succeeded, result.value = True, answer
        return result
