"""Every sentence the bot says to a person, in one place (Japanese, polite and concise).

Common texts live here; each feature has its own module beside this one (`bot/texts/faq.py` ...).
"""

from __future__ import annotations

BOT_NAME = "DXサポートボット"

WELCOME_TITLE = "DXサポートボットです"
WELCOME_BODY = (
    "デジタルに関するお困りごとをお手伝いします。"
    "質問をそのまま入力するか、下のボタンからお選びください。"
)
WELCOME_FEATURES = (
    ("よくある質問", "VPN・パスワード・Teams など、質問を入力するとお答えします。"),
    ("研修申込", "階層別研修や Udemy Business などの申込・確認ができます。"),
    ("担当者に相談", "所属のデジタル活用推進員に質問をお送りします。"),
)
HELP_HINT = "いつでも「ヘルプ」と入力するとこの案内を表示します。途中でやめるときは「やめる」と入力してください。"

BUTTON_FAQ_EXAMPLE = "質問の例を見る"
BUTTON_ENROL = "研修申込"
BUTTON_ESCALATE = "担当者に相談"
BUTTON_HELP = "ヘルプ"

FAQ_EXAMPLES = (
    "たとえば次のように入力してください。\n\n"
    "- VPN 遅い\n- パスワードを忘れた\n- 会議に業者さんを招待したい\n- 怪しいメールが届いた"
)

NOT_READY = "申し訳ありません。この機能はまだ準備中です。"
DATA_NOT_LOADED = (
    "申し訳ありません。この機能に必要なデータを読み込めていないため、いまはお使いいただけません。"
    "ほかの機能は「ヘルプ」から使えます (管理者の方は「管理 状態」で原因のファイルと行を確認できます)。"
)
EMPTY_MESSAGE = "メッセージが空のようです。質問を入力するか「ヘルプ」と入力してください。"
FILES_ONLY = (
    "ファイルを受け取りましたが、ボットはファイルの中身を読めません。困っていることを文章で入力するか、"
    "「担当者に相談」と入力して、画面の画像などを添えて相談してください。"
)
URL_ONLY = "リンクだけでは、ボットには内容が分かりません。そのページについて困っていることを文章で入力してください。"
ADMIN_UNVERIFIED = (
    "現在、管理者かどうかを確認できないため、この操作は行えません。"
    "（管理者の方へ: 組織データ（職員名簿・役割）を読み込めていません。サーバーのログか /readyz でエラーを確認してください）"
)
ADMIN_ONLY = "申し訳ありません。この操作は管理者のみ行えます。"
HELPDESK_CONTACT = "情報システムヘルプデスク（内線2345、平日8:30〜17:15）"
NO_WORDS = "困っていることを言葉で入力してください。例: 「VPN 遅い」「研修申込」「ヘルプ」"
NUMBER_ONLY = "番号だけでは、ご用件が分かりません。相談の状況を確認するときは「チケット 12」のように、質問するときは言葉で入力してください。"
TOO_SHORT = "もう少し詳しく入力してください。例: 「VPN 遅い」「パスワード 忘れた」"
HINTS = {"files": FILES_ONLY, "no_words": NO_WORDS, "url_only": URL_ONLY, "number_only": NUMBER_ONLY,
         "too_short": TOO_SHORT}  # what the router's "empty" routes say
CANCELLED = "中断しました。ほかにお手伝いできることがあれば入力してください。"
#: A dialog left unanswered for DIALOG_TIMEOUT: the next message is handled as a new one.
DIALOG_EXPIRED = "前の手続きは、しばらく操作がなかったため終了しました。"
NOTHING_TO_CANCEL = (
    "中断する手続きはありません。研修の申込を取り消すときは「申込状況」、相談を取り消すときは「相談状況」から"
    "操作できます。困っていることがあれば、そのまま入力してください。"
)
UNKNOWN_BUTTON = "このボタンは古いか、今は使えません。もう一度最初から操作してください。"


def error_occurred(correlation_id: str) -> str:
    return (
        "申し訳ありません。処理中に問題が発生しました。"
        f"お手数ですが、もう一度お試しください。解決しない場合は、エラー番号 {correlation_id} を添えて"
        f"{HELPDESK_CONTACT}にご連絡ください。"
    )
