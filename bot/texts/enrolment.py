"""What the bot says about training enrolment (研修申込), and how it shows dates."""

from __future__ import annotations

from datetime import datetime

from bot.texts import ADMIN_ONLY
from knowledge.catalogue import TOKYO

_WEEKDAYS = "月火水木金土日"


def day(moment: datetime) -> str:
    """12月8日(火)"""
    local = moment.astimezone(TOKYO)
    return f"{local.month}月{local.day}日({_WEEKDAYS[local.weekday()]})"


def day_time(moment: datetime) -> str:
    """12月8日(火) 13:30"""
    return f"{day(moment)} {moment.astimezone(TOKYO):%H:%M}"


def clock_words(moment: datetime) -> tuple[str, ...]:
    """How staff type a start time: 9:30, 9時半, 9時30分 (13:00: 13:00, 13時)."""
    local = moment.astimezone(TOKYO)
    hour, minute = local.hour, local.minute
    spoken = f"{hour}時{minute}分" if minute else f"{hour}時"
    return (f"{hour}:{minute:02d}", *((f"{hour}時半",) if minute == 30 else ()), spoken)


def period(start: datetime, end: datetime) -> str:
    """12月8日(火) 13:30〜16:30 (the end's date only when it differs)."""
    s, e = start.astimezone(TOKYO), end.astimezone(TOKYO)
    tail = f"{e:%H:%M}" if s.date() == e.date() else day_time(e)
    return f"{day_time(s)}〜{tail}"


def deadline(moment: datetime) -> str:
    """12月3日(木) 23:59"""
    return day_time(moment)


# ---------------------------------------------------------------- labels

STATUS = {
    "enrolled": "申込済",
    "pending": "申請中（承認待ち）",
    "waitlisted": "キャンセル待ち",
    "cancelled": "取消済",
    "declined": "承認されませんでした",
    "lapsed": "開催日までに確定せず終了",
}


def staff(contact: str) -> str:
    """Who to ask about a course: its contact as written, else 「研修担当」."""
    return contact or "研修担当"


def status_label(status: str, position: int | None = None) -> str:
    if status == "waitlisted" and position:
        return f"キャンセル待ち（{position}番目）"
    return STATUS.get(status, status)


MANDATORY = "必須"
APPLIED_MARK = "申込済"
ONLINE = "オンライン（Teams）"
LICENCE = "e-ラーニング（期間中いつでも受講できます）"
SEATS_LEFT = "残り {n} 席"
SEATS_FULL = "満席（キャンセル待ち {n} 人）"
LICENCES_LEFT = "ライセンス残り {n}"

# ---------------------------------------------------------------- applying

COURSES_TITLE = "研修申込"
PICK_COURSE = "申し込む研修を選んでください。【必須】はあなたの職位の必須研修です。"
NO_COURSES = "現在お申し込みいただける研修はありません。"
PICK_SESSION = "「{course}」の日程を選んでください。"
NO_SESSIONS = "「{course}」は現在申込を受け付けている日程がありません。"
CONFIRM_TITLE = "申込内容の確認"
CONFIRM_ASK = "この内容で申し込みますか？（「はい」「いいえ」と入力しても答えられます）"
WILL_WAITLIST = "満席のため、キャンセル待ちでの申込になります。"
NEEDS_APPROVAL = "この研修は承認が必要です。申込後、承認者が確認して結果をお知らせします。"
FACT_COURSE = "研修"
FACT_WHEN = "日時"
FACT_PLACE = "会場"
FACT_DEADLINE = "申込締切"
FACT_SEATS = "空き状況"
FACT_STATUS = "状態"
BUTTON_APPLY = "申し込む"
BUTTON_STOP = "やめる"
BUTTON_MY = "申込状況を見る"
BUTTON_ENROL = "研修申込"
BUTTON_JOIN = "Teams 会議に参加"

PICK_SEVERAL = "「{typed}」に当てはまるものが複数あります。番号か日付で選んでください。"
BUTTON_WAITLIST = "キャンセル待ちで申し込む"
BUTTON_OTHER_SESSION = "ほかの日程を選ぶ"
BUTTON_WAITLIST_CHANGE = "キャンセル待ちで変更する"
BUTTON_KEEP_SESSION = "今の日程のままにする"
RETRY_PICK = "番号を入力するか、ボタンから選んでください。やめるときは「やめる」と入力してください。"
RETRY_PICK_BACK = (
    "番号を入力するか、ボタンから選んでください。"
    "選び直すときは「戻る」、やめるときは「やめる」と入力してください。"
)
RETRY_YES_NO_BACK = (
    "「はい」か「いいえ」でお答えください。"
    "選び直すときは「戻る」、やめるときは「やめる」と入力してください。"
)
WENT_BACK = "選び直しました"
#: Typed replies that go one step back (from the sessions to the courses, from the
#: confirmation to the sessions).
BACK_WORDS = ("戻る", "もどる", "戻って", "もどって", "戻ります", "戻りたい", "戻りたいです", "前に戻る",
              "ひとつ前", "一つ前", "ひとつ前に戻る", "選び直す", "選びなおす", "選び直したい", "back")
#: Typed replies that pick the earliest or the latest of the sessions listed.
EARLIEST_WORDS = ("一番早い", "1番早い", "いちばん早い", "いちばんはやい", "一番早い日", "一番早い日程",
                  "早い方", "早いほう", "はやいほう", "早い日程", "最初", "さいしょ", "一番最初",
                  "最初の日程", "最初のやつ", "直近", "直近の日程", "最短")
LATEST_WORDS = ("一番遅い", "1番遅い", "いちばん遅い", "いちばんおそい", "遅い方", "遅いほう", "おそいほう",
                "最後", "さいご", "一番最後", "最後の日程", "最後のやつ")
RESUME_COURSE = "続けて、申し込む研修を選んでください。"
RESUME_SESSION = "続けて、日程を選んでください。"
RESUME_CONFIRM = "続けて、この内容で申し込むかどうか「はい」か「いいえ」でお答えください。"
RESUME_CANCEL = "続けて、申込を取り消すかどうか「はい」か「いいえ」でお答えください。"

DONE_ENROLLED = "申込が完了しました。\n\n{course}\n{when}"
DONE_WAITLISTED = (
    "満席のため、キャンセル待ち（{position}番目）で受け付けました。"
    "空きが出たら自動で繰り上がり、お知らせします。\n\n{course}\n{when}"
)
DONE_PENDING = "申請を受け付けました（申請中）。承認されたらお知らせします。\n\n{course}\n{when}"
ALREADY = "この日程にはすでに申し込まれています（状態: {status}）。"
ABORTED = "申込をやめました。"
ALREADY_DONE = (
    "この研修にはすでに申し込まれています（{when}、状態: {status}）。"
    "申込はそのままです。取り消すときは「申込状況」からどうぞ。"
)
CARD_USED = "この確認は終了しました（{outcome}）"

APPLIED_TITLE = "申込済の研修"
APPLIED_BODY = "「{course}」にはすでに申し込まれています。"
APPLIED_NO_OTHER = "ほかに申し込める日程はありません。"
ADMIN_SESSION_REMOVED = (
    "【研修カタログ】日程 {id}（{course}）は研修カタログから外れましたが、申込が {n} 件残っています。"
    "日程を戻すか、申込者に連絡してください（申込者は「申込状況」から取り消せます）。"
)
APPLIED_REMOVED = "この日程は研修カタログから外れました。取り消すと、この研修のほかの日程に申し込めます。"
REMOVED_SESSION = "日程 {id}（研修カタログから外れました）"
APPLIED_CLOSED = (
    "申込締切を過ぎているため、日程の変更や取り消しはボットからはできません。"
    "欠席や変更は{staff}へご連絡ください。"
)
APPLIED_PAST = "この日程は終了しました。もう一度受講したいときは、{staff}にご相談ください。"
BUTTON_CHANGE = "日程を変更する"
PICK_NEW_SESSION = "「{course}」の新しい日程を選んでください（今の日程: {current}）。"
CHANGE_TITLE = "日程の変更"
FACT_CURRENT = "今の日程"
FACT_NEW = "新しい日程"
CHANGE_ASK = "この日程に変更しますか？（「はい」「いいえ」と入力しても答えられます）"
CHANGE_WILL_WAITLIST = (
    "新しい日程は満席のため、キャンセル待ちになります。今の日程の席は手放すことになります。"
)
BUTTON_CHANGE_YES = "変更する"
RESUME_CHANGE = "続けて、日程を変更するかどうか「はい」か「いいえ」でお答えください。"
CHANGED = "日程を変更しました。\n\n{course}\n{when}"
CHANGED_PENDING = "日程を変更しました（申請中）。承認されたらお知らせします。\n\n{course}\n{when}"
CHANGED_WAITLISTED = (
    "日程を変更しました。新しい日程は満席のため、キャンセル待ち（{position}番目）です。"
    "空きが出たら自動で繰り上がり、お知らせします。\n\n{course}\n{when}"
)
CHANGE_ABORTED = "日程の変更をやめました。申込はそのままです（{when}）。"
NOT_ELIGIBLE_NAMED = "「{course}」はあなたの職位・役割ではお申し込みいただけません。ほかの研修から選べます。"
NOT_OFFERED_NAMED = "「{course}」は現在申込を受け付けている日程がありません。ほかの研修から選べます。"

REFUSED = {
    "not_eligible": "申し訳ありません。「{course}」はあなたの職位・役割ではお申し込みいただけません。",
    "closed": "申し訳ありません。「{course}」のこの日程は申込締切（{closes_at}）を過ぎています。",
    "started": "申し訳ありません。「{course}」のこの日程はすでに始まっているか、終了しています。",
    "unknown_session": (
        "その日程は見つかりませんでした。カタログが更新された可能性があります。"
        "もう一度「研修申込」から選んでください。"
    ),
    "filled": (
        "申し訳ありません。確認の間に満席になりました（{course}、{when}）。"
        "キャンセル待ちで申し込むか、ほかの日程を選んでください。"
    ),
    "filled_change": (
        "申し訳ありません。確認の間に新しい日程が満席になりました（{course}、{when}）。"
        "今の申込はそのままです。キャンセル待ちで変更するか、今の日程のままにするか選んでください。"
    ),
    "other_session": (
        "「{course}」には別の日程（{when}）で申し込み済みです。"
        "日程を変えるときは、「研修申込」でこの研修を選び、「日程を変更する」を押してください。"
    ),
    "other_session_removed": (
        "「{course}」には、研修カタログから外れた日程で申し込み済みです。"
        "「申込状況」からその申込を取り消すと、この日程に申し込めます。"
    ),
    "not_found": "その申込は見つかりませんでした。",
    "not_owner": "取り消せるのは、ご自身の申込だけです。",
    "not_active": "この申込はすでに取り消し済みか、承認されなかった申込です。",
    "lapsed": "この申込は、研修の開催日までに確定しなかったため、すでに終了しています。",
    "cancel_closed": (
        "申込締切（{closes_at}）を過ぎているため、ボットからは取り消せません。"
        "欠席する場合は{staff}へご連絡ください。"
    ),
    "already_decided": "この申請はすでに処理済みです（状態: {status}）。",
}

# ---------------------------------------------------------------- my enrolments

MY_TITLE = "申込状況"
MY_NONE = "現在お申し込み中の研修はありません。「研修申込」から申し込めます。"
NOT_APPLIED_NAMED = "「{course}」には申し込まれていません。"
MY_CANCEL_HINT = "取り消すときはボタンを押してください（申込締切まで）。"
BUTTON_CANCEL = "「{course}」を取り消す"
CANCEL_TITLE = "申込の取り消し"
CANCEL_ASK = "この申込を取り消しますか？（「はい」「いいえ」と入力しても答えられます）"
BUTTON_CANCEL_YES = "取り消す"
BUTTON_CANCEL_NO = "取り消さない"
CANCEL_YES_WORDS = ("取り消し", "取り消します", "取り消してください", "取消", "取消す")
CANCEL_NO_WORDS = ("取り消しません", "取り消さないでください", "そのまま", "そのままで")
CANCEL_DONE = "申込を取り消しました。\n\n{course}\n{when}"
CANCEL_KEPT = "取り消しをやめました。申込はそのままです。"
SIGNUP_STOPPED = "研修の申込を中断しました。申込済みの研修を取り消すときは「申込状況」からどうぞ。"
CANCEL_STOPPED = (
    "中断しました。申込は取り消していません（そのままです）。"
    "取り消すときは、「申込状況」から操作してください。"
)
RETRY_CANCEL = "「はい」か「いいえ」でお答えください（ボタンの「取り消す」「取り消さない」でも選べます）。"
ALREADY_CANCELLED = "この申込はすでに取り消されています。"

# ---------------------------------------------------------------- notices (proactive)

PROMOTED = (
    "キャンセル待ちの研修に空きが出たため、申込が確定しました。\n\n{course}\n{when}"
)
PROMOTED_PENDING = (
    "キャンセル待ちの研修に空きが出ました。承認が必要な研修のため、"
    "承認されたらあらためてお知らせします（申請中）。\n\n{course}\n{when}"
)
APPROVED = "研修の申込が承認されました。\n\n{course}\n{when}"
DECLINED = (
    "研修の申込は承認されませんでした。詳しくは{staff}へお問い合わせください。\n\n{course}\n{when}"
)
WAITLIST_LAPSED = (
    "キャンセル待ちのまま研修の開催日になったため、キャンセル待ちを終了しました。"
    "お席をご用意できず申し訳ありません。ほかの日程は「研修申込」からお申し込みいただけます。"
    "\n\n{course}\n{when}"
)
APPROVAL_LAPSED = (
    "承認されないまま研修の開催日になったため、この申請を終了しました。"
    "ほかの日程は「研修申込」からお申し込みいただけます。\n\n{course}\n{when}"
)
REMINDER_TITLE = "研修のお知らせ"
REMINDER = "「{course}」の受講日が近づいています。"
NUDGE_TITLE = "必須研修のご案内"
NUDGE = "あなたの職位（{tier}）の必須研修にまだ申し込まれていません。「研修申込」からお申し込みください。"

# ---------------------------------------------------------------- approval

APPROVAL_TITLE = "研修申込の承認依頼"
APPROVAL_BODY = "{name}さんから、承認が必要な研修への申込がありました。"
APPROVAL_TEXT = "研修申込の承認依頼: {name}さん「{course}」"
FACT_APPLICANT = "申込者"
FACT_UNIT = "所属"
FACT_TIER = "職位"
FACT_APPLIED = "申込日時"
BUTTON_APPROVE = "承認する"
BUTTON_DECLINE = "承認しない"
DECIDED_BY = "{who}さんが「{decision}」としました。"
WITHDRAWN = "申込者が申込を取り消しました。"
MOVED_AWAY = "申込者が日程を変更しました（この依頼は不要になりました）。"
APPROVAL_EXPIRED = "研修の開催日になったため、この申請は終了しました（承認は不要になりました）。"
NO_APPROVER_APPLICANT = (
    "申請は受け付けましたが、承認者に連絡がつかないため、管理者に確認しています。"
    "結果はあらためてお知らせします。\n\n{course}\n{when}"
)
NO_APPROVER_ADMIN = "承認者に承認依頼を届けられませんでした。管理者として承認するかどうか決めてください。"
DECISION = {"approved": "承認", "declined": "承認しない"}
APPROVAL_DONE = {
    "approved": "承認しました。申込者にお知らせします。",
    "declined": "「承認しない」としました。申込者にお知らせします。",
}
NOT_APPROVER = "申し訳ありません。この申請を承認できるのは承認者だけです。"
OWN_APPLICATION = "ご自身の申請は承認できません。ほかの承認者の判断をお待ちください。"

# ---------------------------------------------------------------- admin

NOT_ADMIN = ADMIN_ONLY
ROSTER_USAGE = "「管理 名簿 日程ID」の形で入力してください (日程IDは「管理 研修集計」に出ています)。例: 管理 名簿 nh-01"
ROSTER_UNKNOWN = "日程ID「{id}」は研修カタログにありません。"
ROSTER_TITLE = "名簿: {course}"
ROSTER_EMPTY = "申込者はまだいません。"
ROSTER_MORE = "ほか {n} 人。全員分は「python app.py enrolment roster {id} --format xlsx --out 名簿.xlsx」で出力できます。"
ROSTER_COUNTS = "申込済 {enrolled} 人 / 申請中 {pending} 人 / キャンセル待ち {waitlisted} 人 / 定員 {capacity}"
SUMMARY_TITLE = "研修ごとの申込状況"
SUMMARY_LINE = "申込済 {enrolled} / 申請中 {pending} / キャンセル待ち {waitlisted} / 定員 {capacity}"
SUMMARY_EMPTY = "研修カタログに研修がありません。"
SUMMARY_SESSIONS = "日程ID（名簿は「管理 名簿 日程ID」）: {sessions}"
SESSION_ID = "{id}（{when}）"
ROSTER_WHICH = "「{course}」の名簿は日程ごとです。次のどれかで「管理 名簿 日程ID」と入力してください: {sessions}"
ROSTER_WHICH_CLI = "「{course}」の名簿は日程ごとです。次のどれかの日程IDを指定してください: {sessions}"
