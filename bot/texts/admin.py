"""管理者向けコマンドの文言."""

from bot.texts import ADMIN_ONLY

REFUSED = ADMIN_ONLY
UNKNOWN = "管理コマンド「{word}」はありません。「管理」と入力すると使えるコマンドを表示します。"
TITLE = "管理メニュー"
STATUS_TITLE = "データファイルの状態"
#: The data sets by the names admins know them by (LiveData names are for logs and /readyz)
DATA_NAMES = {"faq": "FAQ", "directory": "組織データ", "catalogue": "研修カタログ", "intents": "機能の言い回し"}
STATUS_OK = "✅ {name}: {count} 件（{loaded} に読み込み）"
STATUS_STALE = "⚠️ {name}: 最新の変更を読み込めませんでした。{count} 件（{loaded} 時点）の内容で動いています。"
STATUS_NOT_LOADED = "❌ {name}: 読み込めていません。"
STATUS_RESTORED = ("⚠️ {name}: 起動時にファイルを読み込めませんでした。前回正しく読めたファイルの控え"
                   "（{count} 件、{loaded} 時点）で動いています。")
STATUS_ERROR = "  - {error}"
STATUS_MORE = "  - ほか {n} 件"
STATUS_WARNINGS = "  - 警告 {n} 件 (python -m knowledge check で確認できます)"
COMMANDS_TITLE = "使えるコマンド"
COMMAND_LINE = "- 管理 {word}: {description}"
OUTBOX_TITLE = "通知の配信状況"
OUTBOX_LINE = "- {status}: {count} 件"
OUTBOX_EMPTY = "- 通知はまだありません"
OUTBOX_OLDEST = "- 最も古い未配信: {minutes} 分前から"
OUTBOX_STATUS = {"pending": "配信待ち", "sent": "配信済み", "failed": "配信失敗", "unreachable": "届け先なし"}
UNREACHABLE_TITLE = "連絡がつかない人 (推進員・スペシャリスト・ヘルプデスク・管理者)"
UNREACHABLE_NONE = "- いません"
UNREACHABLE_LINE = "- {name}: {reason}"
NEVER_OPENED = "ボットを一度も開いていません (Teams でボットを追加してもらってください)"
BLOCKED = "ボットがブロックまたは削除されています"
DESCRIPTIONS = {
    "状態": "データファイル・配信待ち・連絡がつかない人",
    "名簿": "研修日程の名簿 (例: 管理 名簿 nh-01)",
    "研修集計": "研修ごとの申込・キャンセル待ち・定員",
    "相談集計": "所属・部局ごとの相談件数、対応までの時間、未対応",
    "FAQ提案": "回答から作られた FAQ 案の一覧・採用",
}
