"""よくある質問 (FAQ) の文言."""

CLARIFY = "もしかして、次のどれかでしょうか？"
NONE_OF_THESE = "どれでもない"
NO_MATCH = (
    "申し訳ありません。お答えできる FAQ が見つかりませんでした。"
    "デジタル関係 (パソコン・Teams・研修など) のことでしたら、所属のデジタル活用推進員に相談できます。"
    "給与や休暇などの手続きは、所属の庶務担当者にお尋ねください。"
)
SOLVED_THANKS = "解決してよかったです。ほかにも気になることがあれば、いつでも入力してください。"
NEXT_CANDIDATES = "では、次の内容でしょうか？"
OFFER_PERSON = "お役に立てず申し訳ありません。担当者に相談しますか？"
RELATED = "関連する質問"
LINKS = "参考リンク"
BUTTON_SOLVED = "解決した"
BUTTON_UNSOLVED = "解決しない"
BUTTON_ESCALATE = "担当者に相談"
BUTTON_HELP = "ヘルプ"
NOT_FOUND = "その質問は見つかりませんでした。FAQ が更新された可能性があります。もう一度質問を入力してください。"
# An answer's placeholders ({推進員} …) for the person asking (see knowledge.placeholders)
PERSON_NAME = "{name}さん"
FILLED_FOR = "（{name}さんの場合の回答です）"  # above such an answer in a channel or group chat
NAME_SEPARATOR = "、"
NOBODY_REGISTERED = "職員名簿に登録がありません"
UNKNOWN_PEOPLE = "所属が分からないため表示できません"
UNKNOWN_UNIT = "不明（「プロフィール」と入力すると所属を登録できます）"
UNKNOWN = "不明"
DIRECTORY_NOT_LOADED = "職員名簿を読み込めていないため表示できません"
STALE_FEEDBACK = "このボタンは現在使えません。お手数ですが、もう一度質問を入力してください。"
GREETING = "こんにちは。DXサポートボットです。デジタルのことで困っていることを、そのまま入力してください。"
# A greeting is answered in kind (the first word found in what was said), else with 「こんにちは」.
GREETINGS_IN_KIND = {
    "おはよう": "おはようございます。",
    "お疲れ": "お疲れ様です。",
    "おつかれ": "お疲れ様です。",
    "こんばんは": "こんばんは。",
    "はじめまして": "はじめまして。",
    "すみません": "はい。",  # calling for attention before the question
}


def greeting(said: str) -> str:
    """The greeting reply, opening with the greeting the person used."""
    opener = next((reply for word, reply in GREETINGS_IN_KIND.items() if word in said), "こんにちは。")
    return opener + GREETING.removeprefix("こんにちは。")
THANKS = "どういたしまして。ほかにも気になることがあれば、いつでも入力してください。"
PERSON_DECLINED = "承知しました。ほかにも気になることがあれば、いつでも入力してください。"
DISMISSED = "承知しました。また困ったことがあれば、いつでも入力してください。"


def choose_number(count: int) -> str:
    """A number typed under 「もしかして」 that is not one of its choices."""
    numbers = "「1」" if count <= 1 else f"1〜{count} の番号"
    return f"{numbers}を入力するか、カードのボタンでお選びください。"


NOTHING_ASKED = "いまは「はい」「いいえ」でお答えいただく質問はありません。困っていることをそのまま入力するか、「ヘルプ」と入力してください。"
