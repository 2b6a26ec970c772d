"""担当者への相談 (エスカレーション) の文言."""

from __future__ import annotations

from bot import texts as common

HELPDESK_CONTACT = common.HELPDESK_CONTACT

# ---------------------------------------------------------------- who receives it

ROLE_TARGETS = {
    "promoter": "{unit}のデジタル活用推進員",
    "specialist": "{department}のDX推進スペシャリスト",
    "helpdesk": "DX推進の中央窓口（ヘルプデスク）",
}
BACKUP_SUFFIX = "（代理）"
UNKNOWN_UNIT = "所属"
URGENCY_LABELS = {"normal": "通常", "urgent": "至急"}

# ---------------------------------------------------------------- the requester's dialog

ASK_QUESTION = (
    "担当者に送る質問を入力してください。"
    "画面のスクリーンショットやファイルがあれば、一緒に送れます。"
)
CONFIRM_TITLE = "担当者に相談します"
CONFIRM_TARGET = "送信先: {target}"
CONFIRM_HINT = (
    "内容を確認して「送信する」を押してください。「はい」と入力しても送信できます。"
    "続けてチャットに入力した内容は「補足」に追記します。"
)
CONFIRM_HINT_BUTTONS = "内容を確認して「送信する」を押してください。"
LABEL_QUESTION = "質問"
LABEL_DETAILS = "補足（任意）"
PLACEHOLDER_DETAILS = "試したこと、エラーの表示、いつから起きているか など"
LABEL_URGENCY = "緊急度"
LABEL_ATTACHMENTS = "添付"
BUTTON_SEND = "送信する"
BUTTON_DISCARD = "やめる"
ATTACHMENT_ADDED = "添付を追加しました。"
DETAILS_ADDED = (
    "「補足」に追記しました。送信するときは「送信する」を押すか「はい」と入力してください。"
    "やめるときは「やめる」を押すか「いいえ」と入力してください。"
)
DRAFT_EXPIRED = (
    "しばらく操作がなかったため、相談の入力を締め切りました。相談はまだ送信されていません。"
    "送信するときは、下のカードの「送信する」を押してください（補足はカードの入力欄に書き足せます）。"
)
DRAFT_DISCARDED = "相談の送信をやめました。ほかにお手伝いできることがあれば入力してください。"
CONFIRM_SENT = "送信しました（チケット {id}）"
CONFIRM_DISCARDED = "送信をやめました"
CONFIRM_REPLACED = "内容を更新しました。新しいカードから送信してください。"
ALREADY_SENT_DISCARD = (
    "この相談はすでに送信済みです（チケット {id}・{status}）。"
    "取り消す場合は「この相談を取り消す」を、状況の確認は「相談状況」を押してください。"
)
ALREADY_SENT_CLOSED = "この相談はすでに送信済みです（チケット {id}・{status}）。状況は「相談状況」で確認できます。"
BUTTON_MY_TICKETS = "相談状況"
EMPTY_QUESTION = "担当者に送る質問を文章で入力してください。やめるときは「やめる」と入力してください。"
FILE_KEPT = "ファイルを受け取りました (相談に添えます)。担当者に送る質問を文章で入力してください。"
EMPTY_QUESTION_BOX = "質問欄が空でした。担当者に送る質問を入力してください (補足と緊急度は入力したまま残ります)。"

CREATED = (
    "相談を受け付けました。チケット番号: {id}\n\n"
    "{target}にお送りしました。{sla}担当者からの回答は、このチャットに届きます。"
    "状況は「相談状況」で確認できます。"
)
SLA_NORMAL = "担当者が対応を始める目安は {time} ごろです（業務時間で数えています）。"
SLA_URGENT = "至急として、{time} ごろまでに対応を始めるよう担当者に依頼しています。"
CREATED_NOBODY = (
    "相談を受け付けました。チケット番号: {id}\n\n"
    "ただいま対応できる担当者が見つからなかったため、管理者に連絡しました。回答はこのチャットに届きます。"
    f"お急ぎの場合は{HELPDESK_CONTACT}にお問い合わせください。"
)
REQUESTER_NOBODY = (
    "チケット {id} は、まだどの担当者にも届いていません。"
    "管理者に連絡したうえで、毎業務日あらためて担当者にお送りします。相談は受付済みのままですので、回答はこのチャットに届きます。"
    f"お急ぎの場合は{HELPDESK_CONTACT}にお問い合わせください。"
)
REQUESTER_UNCLAIMED = (
    "チケット {id} は担当者に届いていますが、まだ対応する担当者が決まっていません。"
    "管理者に連絡しました。担当者には毎業務日あらためて依頼します。回答はこのチャットに届きます。"
    f"お急ぎの場合は{HELPDESK_CONTACT}にお問い合わせください。"
)
ALREADY_CREATED = "この相談はすでに受け付けています。チケット番号: {id}"

# ---------------------------------------------------------------- the promoter's card

REQUEST_TITLE = "相談が届きました（チケット {id}）"
REQUEST_TITLE_URGENT = "【至急】相談が届きました（チケット {id}）"
FACT_REQUESTER = "相談者"
FACT_URGENCY = "緊急度"
FACT_RECEIVED = "受付"
FACT_STATUS = "状況"
FACT_ASSIGNEE = "担当"
REQUESTER_VALUE = "{name}（{unit}）"
GUESSES_TITLE = "ボットの FAQ 候補（参考）"
GUESS_LINE = "- {question}（{score:.0%}）"
NO_GUESSES = "該当しそうな FAQ はありませんでした。"
DETAILS_TITLE = "補足"
ANSWER_LABEL = "回答"
ANSWER_PLACEHOLDER = "相談者への回答を入力してください"
REASON_LABEL = "回す理由"
REASON_PLACEHOLDER = "例: 所管外のため、不在のため"
BUTTON_CLAIM = "対応します"
BUTTON_ANSWER = "回答する"
BUTTON_PASS = "他の人に回す"
VIEW_TAKEN = "{name}さんが対応しています。"
VIEW_MINE = "あなたが対応しています。回答を入力して「回答する」を押してください。"
VIEW_ANSWERED = "{name}さんが回答しました。"
VIEW_CANCELLED = "相談者が取り消しました。"
VIEW_PASSED = "あなたはこの相談を他の人に回しました。"
VIEW_RESOLVED = "解決しました。"
FOLLOWUP_TITLE = "相談者からの追記（まだ解決していません）"
PREVIOUS_ANSWER = "前回の回答"

CLAIMED = "チケット {id} の対応を始めました。回答はカードの入力欄から送れます。"
ALREADY_YOURS = "チケット {id} はすでにあなたが対応しています。"
TAKEN_BY = "チケット {id} はすでに{name}さんが対応しています。"
ANSWER_SENT = "チケット {id} の回答を相談者にお送りしました。"
ASK_ANSWER = "チケット {id} の回答を入力してください。送る前に内容を確認していただきます。"
ANSWER_PREVIEW = "チケット {id} の相談者に、次の回答を送ります。よろしければ「この内容で送る」を押してください (ここで直してから送れます。送らないときはそのままにしてください)。"
BUTTON_SEND_ANSWER = "この内容で送る"
REASON_PREVIEW = "チケット {id} を、次の理由で他の人に回します。よろしければ「他の人に回す」を押してください (ここで直せます。回さないときはそのままにしてください)。"
ASK_REASON = "チケット {id} を他の人に回す理由を入力してください。"
PASSED = "チケット {id} を{target}に回しました。"
PASSED_NOBODY = "チケット {id} を回せる担当者がほかにいないため、管理者に連絡しました。"
REMINDER = (
    "チケット {id} の相談は、まだ対応する担当者が決まっていません（{requester}さん・{urgency}）。"
    "対応できる場合は「対応します」を押してください。"
)
REMINDER_TITLE = "【お願い】チケット {id} の対応者が決まっていません"
HELD_REMINDER = (
    "チケット {id}（{requester}さん）の回答をお待ちしています。"
    "「チケットを見る」から回答してください。対応できない場合は、開いたカードの「他の人に回す」を押してください。"
)
HELD_REMINDER_TITLE = "【お願い】チケット {id} の回答をお待ちしています"
HELD_NOTE = "対応中のまま回答がないため催促"
BUTTON_VIEW = "チケットを見る"
YOU_PASSED = "チケット {id} はあなたが他の人に回したため、操作できません。"
REQUESTER_CLAIMED = "チケット {id} の対応を{name}さんが始めました。回答はこのチャットに届きます。"
REQUESTER_ESCALATED = "チケット {id} は、{target}に引き継がれました。回答まで今しばらくお待ちください。"

# ---------------------------------------------------------------- the requester's side

ANSWER_TITLE = "チケット {id} に回答が届きました"
ANSWER_FROM = "回答者: {name}さん"
YOUR_QUESTION = "ご質問"
FOLLOWUP_LABEL = "解決しない場合は、困っている点を書いてください（任意）"
BUTTON_SOLVED = "解決した"
BUTTON_NOT_SOLVED = "まだ解決しない"
#: A card's text asked for in the chat, not typed within the hour: the card to send it from
TEXT_EXPIRED = {
    "answer": "しばらく操作がなかったため、チケット {id} の回答の入力の受付を終了しました。下のカードから操作できます。",
    "reason": "しばらく操作がなかったため、チケット {id} を他の人に回す理由の入力の受付を終了しました。下のカードから操作できます。",
    "followup": "しばらく操作がなかったため、チケット {id} のまだ解決していない点の入力の受付を終了しました。下のカードから操作できます。",
}
LATE_ANSWER = (
    "しばらく操作がなかったため、チケット {id} の回答の入力の受付は終了していました。"
    "入力された文を回答として送る場合は、下で確認してから送ってください (回答ではなく質問でしたら、もう一度入力してください)。"
)
#: A late text that reads as an answer (a reason) where the ticket can no longer take one
LATE_TEXT_NOT_SENT = {
    "answer": "しばらく操作がなかったため、チケット {id} の回答の入力の受付は終了していました。入力された文は送っていません。"
              "チケットの今の状況は下のとおりです (質問でしたら、もう一度入力してください)。",
    "reason": "しばらく操作がなかったため、チケット {id} を他の人に回す理由の入力の受付は終了していました。チケットはほかの担当者に回していません。"
              "チケットの今の状況は下のとおりです (質問でしたら、もう一度入力してください)。",
}
LATE_REASON = (
    "しばらく操作がなかったため、チケット {id} を他の人に回す理由の入力の受付は終了していました。"
    "入力された文を理由として回す場合は、下で確認してから回してください (理由ではなく質問でしたら、もう一度入力してください)。"
)
ASK_FOLLOWUP = "どの点がまだ解決していないか教えてください。担当者にお伝えします。"
ASK_FOLLOWUP_AGAIN = "まだ解決していない点を具体的に入力してください。担当者にお伝えします。やめるときは「やめる」と入力してください。"
RESOLVED_THANKS = "解決してよかったです。チケット {id} を解決済みにしました。"
REOPENED = "チケット {id} を担当者（{name}さん）にもう一度お送りしました。回答はこのチャットに届きます。"
CLOSED_FOLLOWUP = (
    "チケット {id} は「{status}」になっているため、追記はお送りしていません。"
    "書いていただいた内容で、あらためて担当者に相談できます。"
)
BUTTON_NEW_REQUEST = "この内容で相談する"
FOLLOWUP_OF = "チケット {id} の回答を読んでの追記です。\n前回の質問: {question}\n前回の回答: {answer}"
#: 「まだ解決しない」 then 「ありがとう」 or 「やっぱりいいです」: nothing is sent to the person
YOU_ARE_WELCOME = "どういたしまして。"
UNDERSTOOD = "承知しました。"
NOT_REOPENED = (
    "チケット {id} は担当者にお送りしていません（回答済みのままです）。まだ解決していない点があれば、"
    "回答の「まだ解決しない」を押して、その点を書いてください。"
)
RATED_SOLVED = "解決済みにしました。"
RATED_REOPENED = "担当者に再確認を依頼しました。"
AUTO_RESOLVED_NOTE = "回答から3業務日のあいだ評価がなかったため、自動で解決済みにしました。"
AUTO_RESOLVED = (
    "チケット {id} は、回答から3業務日が過ぎたため解決済みにしました。"
    "まだお困りでしたら、あらためて「担当者に相談」からお知らせください。"
)
NOT_CLAIMED_NOTE = "期限内に対応が始まらなかったため、次の担当者に回しました。"
UNREACHABLE_NOTE = "連絡がつかない担当者がいたため、次の担当者に回しました。"
RETRY_NOTE = "担当者に届けられなかったため、最初の担当者から配信をやり直しました。"
#: Why a person could not be reached (event notes and the admins' message).
REASON_NO_ID = "Teams の ID が分からず、ボットを開いたこともありません"
REASON_NOT_INSTALLED = "ボットがインストールされていないか、ボットを開いたことがありません"
REASON_FAILED = "Teams への送信が繰り返し失敗しました"
UNREACHABLE_EVENT = "{name}さん（{reason}）"

RESOLVED_FOR_ASSIGNEE = "チケット {id} は解決しました（{requester}さん）。ありがとうございました。"
PROPOSE_HINT = "よくある質問になりそうなら、FAQ に提案できます（質問と回答は直してから送れます）。"
PROPOSE_QUESTION = "FAQ の質問"
PROPOSE_ANSWER = "FAQ の回答"
BUTTON_PROPOSE = "FAQに提案する"
PROPOSED = "FAQ 提案 {id} を送りました。管理者が確認のうえ、採用するかどうかを決めます。"
ALREADY_PROPOSED = "このチケットはすでに FAQ に提案されています。"
PROPOSE_NOT_RESOLVED = "FAQ に提案できるのは、解決したチケットだけです。"

CANCELLED = "チケット {id} の相談を取り消しました。"
BUTTON_CANCEL = "この相談を取り消す"

# ---------------------------------------------------------------- lists and details

MY_TICKETS_TITLE = "あなたの相談"
MY_TICKETS_NONE = "まだ相談はありません。困ったときは「担当者に相談」と入力してください。"
QUEUE_TITLE = "対応待ちの相談"
QUEUE_ALL_TITLE = "対応待ちの相談（すべて・管理者表示）"
QUEUE_NONE = "対応待ちの相談はありません。"
QUEUE_NOT_YOURS = (
    "「対応待ち一覧」は、デジタル活用推進員・DX推進スペシャリスト・ヘルプデスクの方が、回ってきた相談を"
    "確認するためのものです。ご自身の相談は「相談状況」で確認できます。"
)
LIST_LINE = "{id}. [{status}] {question}"
LIST_URGENT = "【至急】"
BUTTON_SHOW = "チケット {id} を見る"
DETAIL_TITLE = "チケット {id}"
HISTORY_TITLE = "経過"
HISTORY_LINE = "- {at} {action}（{actor}）{note}"
ACTION_LABELS = {
    "created": "受付", "routed": "担当者に送信", "claim": "対応開始", "answer": "回答",
    "resolve": "解決", "reopen": "再確認の依頼", "escalate": "次の担当者へ", "cancel": "取り消し",
    "remind": "催促", "unreachable": "連絡がつかない担当者", "exhausted": "担当者なし",
    "retry": "配信のやり直し", "proposed": "FAQ に提案",
}
NOT_FOUND = "チケット {id} は見つからないか、表示する権限がありません。"

# ---------------------------------------------------------------- refusals and errors

NOT_ALLOWED = (
    "このチケットは操作できません。担当として依頼を受けた方と管理者だけが、"
    "対応・回答・他の人に回すことができます。"
)
NOT_REQUESTER = "このチケットは操作できません。評価や取り消しができるのは、相談したご本人だけです。"
INVALID_STATE = "チケット {id} は現在「{status}」のため、この操作はできません。"
BAD_BUTTON = "このボタンは古いか、正しくありません。「相談状況」または「対応待ち一覧」からやり直してください。"

# ---------------------------------------------------------------- admins

ADMIN_UNREACHABLE = (
    "【相談の配信】{name}さん（{upn}）にチケット {id} を届けられませんでした（{reason}）。"
    "ボットのインストール状況を確認してください。"
)
ADMIN_EXHAUSTED = (
    "【相談の配信】チケット {id}（{unit}）を届けられる担当者がいません。"
    "「チケット {id}」で内容を確認し、対応してください。業務日ごとに配信をやり直します。"
)
ADMIN_UNCLAIMED = (
    "【相談の配信】チケット {id}（{unit}）は担当者全員に届きましたが、まだ誰も対応を始めていません。"
    "「チケット {id}」で内容を確認し、対応してください。業務日ごとに担当者に催促します。"
)
ADMIN_HELD = (
    "【相談の対応】チケット {id}（{unit}）は {name}さんが対応中ですが、まだ回答がありません。"
    "「チケット {id}」で状況を確認してください。業務日ごとに {name}さんに催促します。"
)
ADMIN_UNCLAIMED_SOME = (
    "【相談の配信】チケット {id}（{unit}）は一部の担当者に届いていますが、まだ誰も対応を始めていません"
    "（届けられなかった担当者は別にお知らせしています）。「チケット {id}」で内容を確認し、対応してください。"
    "業務日ごとに催促と配信のやり直しをします。"
)
ADMIN_PROPOSAL = "【FAQ 提案】提案 {id} が届きました（{name}さん）。「管理 FAQ提案」で確認できます。"
ADMIN_BACKLOG_TITLE = "担当者への相談（未解決）"
ADMIN_ONLY = common.ADMIN_ONLY

REPORT_TITLE = "相談の集計（{period}）"
REPORT_ALL = "全体"
REPORT_DEPARTMENTS = "部局別"
REPORT_UNITS = "所属別（上位）"
REPORT_BACKLOG = "未解決"
REPORT_TOPICS = "よく相談される話題"
REPORT_ROW = "{tickets} 件（未解決 {unresolved}・解決 {resolved}）・対応開始まで 中央値 {claim_median} 分（9割が {claim_p90} 分以内）・解決まで 中央値 {resolve_median} 分（9割が {resolve_p90} 分以内）"
REPORT_OLDEST = "最も古い未対応の相談: {minutes} 分経過"
REPORT_NONE_OPEN = "未対応の相談はありません。"
REPORT_EMPTY = "この期間の相談はありません。"
REPORT_NONE = "なし"
REPORT_USAGE = (
    "使い方: 管理 相談集計 [開始日 [終了日]]"
    "（例: 管理 相談集計 2026-04-01 2026-04-30、2026/04/01 も使えます）"
)
REPORT_PERIOD_ALL = "全期間"
REPORT_PERIOD = "{since}〜{until}"
REPORT_DAY = "{year}年{day}"

PROPOSALS_TITLE = "FAQ 提案（未採用）"
PROPOSALS_NONE = "未採用の FAQ 提案はありません。"
PROPOSAL_LINE = "提案 {id}（チケット {ticket}・{name}さん）\n\nQ: {question}\n\nA: {answer}"
BUTTON_ACCEPT = "提案 {id} を採用"
BUTTON_REJECT = "提案 {id} を却下"
PROPOSAL_ACCEPTED = "提案 {id} を FAQ（{entry}）として追加しました。すぐに回答に使われます。"
PROPOSAL_ACCEPTED_STALE = "提案 {id} を {file} に書き込みましたが、FAQ の読み込みに失敗しました: {error}"
PROPOSAL_REJECTED = "提案 {id} を却下しました。"
PROPOSAL_EDITED = "提案 {id} を修正しました。\n\nQ: {question}\n\nA: {answer}"
PROPOSAL_NOT_FOUND = "提案 {id} は見つかりません。"
PROPOSAL_DECIDED = "提案 {id} はすでに処理済みです。"
PROPOSAL_ID_TAKEN = "FAQ に同じ ID（{entry}）の項目がすでにあります（{where}）。"
PROPOSAL_FILE_UNUSABLE = "採用した FAQ を書き込むファイルが読めないため、採用しませんでした: {error}"
PROPOSALS_USAGE = (
    "使い方: 管理 FAQ提案 [一覧] / 採用 番号 / 却下 番号 / 編集 番号 質問 新しい文 / "
    "編集 番号 回答 新しい文 / 作成 チケット番号"
)
