"""Built-in generic Japanese paraphrases for helpdesk and administrative questions.

These fold everyday wording onto one form *before* matching, for every FAQ, independently of
the admin's ``synonyms.yaml`` (which is applied first and stays the place for domain terms).
Only general vocabulary belongs here — ways of saying "apply", "change", "lost", "cost",
"child", "day off" — never the topics of a particular FAQ. The first term of a group is the
canonical form; matching is leftmost-longest, a single kanji only as a whole word.

:data:`ENDINGS` folds common verb endings (忘れちゃった / 忘れてしまいました → 忘れた,
使えません → 使えない) so conjugation does not add noise to the character grams.
"""

from __future__ import annotations

import re

GROUPS: tuple[tuple[str, ...], ...] = (
    # --- ways of asking and doing
    ("方法", "やり方", "やりかた", "仕方", "しかた", "手段"),
    (
        "申請",
        "申し込み",
        "申込み",
        "申込",
        "申し込む",
        "申し込みたい",
        "手続き",
        "手続",
        "届出",
        "届け出",
        "届け",
        "届ける",
        "届けたい",
    ),
    ("変更", "変える", "変えたい", "切り替え", "切替え", "切り替える", "切替"),
    ("確認", "チェック", "調べる", "調べたい", "見たい", "見る", "見れる", "見られる", "照会"),
    ("取得", "もらう", "もらえる", "もらいたい", "入手", "取りたい", "取れる"),
    ("受取", "受け取り", "受け取る", "受取り", "受け取れる", "受け取りたい"),
    ("提出", "出す", "出したい", "出せば"),
    ("利用", "使う", "使える", "使いたい", "使用"),
    ("開始", "始める", "始めたい"),
    ("中止", "やめる", "やめたい", "停止", "止める", "止めたい"),
    (
        "取消",
        "取り消し",
        "取り消す",
        "取消し",
        "取り消したい",
        "キャンセル",
        "取りやめ",
        "取り下げ",
    ),
    ("再発行", "再交付", "再発給"),
    ("削除", "消す", "消したい", "消去"),
    ("登録", "設定"),
    ("相談", "問い合わせ", "問合せ", "問い合せ", "聞きたい"),
    ("期限", "締切", "締め切り", "〆切"),
    # --- trouble
    ("紛失", "なくした", "無くした", "失くした", "なくしてしまった", "落とした", "見当たらない"),
    ("忘れた", "忘れてしまった", "失念"),
    ("故障", "壊れた", "壊れている", "壊れてしまった"),
    ("起動しない", "開けない", "開かない", "立ち上がらない", "起動できない"),
    ("できない", "出来ない", "不可"),
    ("わからない", "分からない", "不明"),
    # --- money
    ("支払", "支払い", "支払う", "払う", "払い", "払いたい", "納付", "納める", "納入"),
    ("払戻", "払い戻し", "払戻し", "返金", "還付"),
    ("費用", "料金", "代金", "お金", "金額", "いくら", "値段"),
    ("補助", "助成", "補助金", "助成金"),
    ("無料", "タダ", "無償"),
    ("給与", "給料", "サラリー"),
    ("領収書", "レシート", "領収証"),
    # --- people, places, things of everyday life
    ("子ども", "子供", "こども", "お子さん", "子"),
    ("配偶者", "妻", "夫", "嫁", "旦那", "奥さん", "主人"),
    ("自宅", "家", "住宅", "住居"),
    ("自動車", "車", "クルマ", "マイカー", "自家用車"),
    ("休暇", "休み", "休む", "休める", "休んだ", "休みたい"),
    ("死亡", "亡くなった", "亡くなる", "亡くなり", "死んだ", "逝去"),
    ("引越", "引っ越し", "引越し", "引っ越す", "引っ越した", "転居"),
    ("病院", "医療機関", "クリニック"),
    ("会社", "職場", "勤務先"),
    ("窓口", "受付", "カウンター"),
    ("書類", "用紙", "様式", "書式"),
    # --- common IT helpdesk words
    ("ログイン", "サインイン", "ログオン"),
    ("パスワード", "暗証番号", "パスコード"),
    ("メール", "電子メール"),
    ("スマートフォン", "スマホ", "携帯電話", "携帯"),
    ("パソコン", "PC", "ノートパソコン", "ノートPC"),
    ("インターネット", "ネット", "ウェブ", "web", "オンライン"),
)

# Verb endings, on text already folded by knowledge.normalize.fold_chars (hiragana only).
ENDINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile("(?:てしまいました|てしまった|ちゃいました|ちゃった)"), "た"),
    (re.compile("ませんでした"), "なかった"),
    (re.compile("ません"), "ない"),
    (re.compile("(?<=[っしきちにびみりいえけせてねべめれ])ました"), "た"),
)


def fold_endings(text: str) -> str:
    """Fold polite, perfective and colloquial verb endings onto their plain forms."""
    for pattern, plain in ENDINGS:
        text = pattern.sub(plain, text)
    return text
