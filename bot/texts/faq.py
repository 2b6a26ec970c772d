"""よくある質問 (FAQ) の文言."""

CLARIFY = "もしかして、次のどれかでしょうか？"
NONE_OF_THESE = "どれでもない"
NO_MATCH = (
    "申し訳ありません。その質問にはまだお答えできません。"
    "所属のデジタル活用推進員に相談することができます。"
)
SOLVED_THANKS = "解決してよかったです。ほかにも気になることがあれば、いつでも入力してください。"
NEXT_CANDIDATES = "ほかに、こちらの内容ではないでしょうか。"
OFFER_PERSON = "お役に立てず申し訳ありません。担当者に相談しますか？"
RELATED = "関連する質問"
LINKS = "参考リンク"
BUTTON_SOLVED = "解決した"
BUTTON_UNSOLVED = "解決しない"
BUTTON_ESCALATE = "担当者に相談"
BUTTON_HELP = "ヘルプ"
NOT_FOUND = "その質問は見つかりませんでした。FAQ が更新された可能性があります。もう一度質問を入力してください。"
STALE_FEEDBACK = "この評価ボタンは受け付けられませんでした。もう一度質問を入力してください。"
