"""プロフィール (所属・職位) の文言."""

ASK_UNIT = "はじめに、あなたの所属（課・室の名前）を入力してください。例: 総務課"
ASK_UNIT_GONE = (
    "組織改正などで、ご登録の所属が名簿に見つからなくなりました。"
    "お手数ですが、所属（課・室の名前）をもう一度入力してください。例: 総務課"
)
ASK_UNIT_AGAIN = "所属が見つかりませんでした。課・室の名前をもう一度入力してください。例: 総務課、人事課"
CHOOSE_UNIT = "所属はどれでしょうか。"
UNIT_LABEL = "{unit}（{department}）"
RETYPE_UNIT = "どれでもない（入力し直す）"
RETYPE_WORDS = ("どれでもない", "入力し直す", "違う", "ちがう")
SEVERAL = "「{typed}」に当てはまるものが複数あります。番号で選んでください。"
ASK_TIER = "職位を選んでください。"
RETRY_CHOICE = "ボタンから選ぶか、番号を入力してください。"
SAVED = "登録しました。所属: {unit} / 職位: {tier}"
SHOW = "登録内容です。\n\n- 氏名: {name}\n- 所属: {unit}（{department}）\n- 職位: {tier}{roles}"
FROM_DIRECTORY = "この内容は職員名簿に基づいています。誤りがあれば所属の庶務担当者にご連絡ください。"
FROM_PROFILE = "この内容はご自身で登録したものです。"
NONE = "まだ所属と職位が登録されていません。"
BUTTON_CHANGE = "変更する"
BUTTON_REGISTER = "登録する"
ROLES = "\n- 役割: {roles}"
UNKNOWN = "（未登録）"
