"""The default wording of every message, in English and Chinese, and what each may use.

An organizer's edited template (``MailTemplate``) replaces the default for one edition and
language. Both are rendered by ``compose.render_template`` in a sandbox that allows only
``{{ variable }}`` substitutions and ``{% if %}`` blocks over the variables listed here.
"""

from __future__ import annotations

from expo_crm.mail.models import Topic

#: Languages messages are written in: ``en`` and ``zh`` (Simplified Chinese).
LANGUAGES = ("en", "zh")

#: Variables every message may use.
COMMON = ("name", "show", "show_dates", "venue", "city")

#: Further variables each message may use (the same names in every language).
VARIABLES: dict[Topic, tuple[str, ...]] = {
    Topic.REGISTRATION_CONFIRMATION: ("code",),
    Topic.BADGE_READY: ("badge",),
    Topic.SURVEY_INVITATION: ("survey", "link"),
    Topic.REBOOKING_INVITATION: ("company", "next_show"),
    Topic.PROSPECT_INVITATION: ("company",),
    Topic.INVOICE_REMINDER: ("company", "invoice", "amount_due", "due_on"),
}

#: (subject, body) per topic and language; paragraphs are separated by a blank line.
DEFAULTS: dict[Topic, dict[str, tuple[str, str]]] = {
    Topic.REGISTRATION_CONFIRMATION: {
        "en": (
            "Your registration for {{ show }}",
            "Dear {{ name }},\n\n"
            "thank you for registering for {{ show }} ({{ show_dates }}, {{ venue }}, "
            "{{ city }}).\n\n"
            "Your confirmation code is {{ code }}. Show the QR code below, or type the code, "
            "at a registration kiosk to print your badge.\n\n"
            "We look forward to welcoming you.",
        ),
        "zh": (
            "您的{{ show }}登记确认",
            "{{ name }}，您好：\n\n"
            "感谢您登记参观{{ show }}（{{ show_dates }}，{{ city }}{{ venue }}）。\n\n"
            "您的确认码是 {{ code }}。"
            "请在登记自助机上出示下方二维码或输入确认码，即可打印胸卡。\n\n"
            "我们期待您的光临。",
        ),
    },
    Topic.BADGE_READY: {
        "en": (
            "Your badge for {{ show }} is ready",
            "Dear {{ name }},\n\n"
            "your badge for {{ show }} is ready. Show the QR code below at the entrance "
            "({{ show_dates }}, {{ venue }}), on your phone or printed.\n\n"
            "Badge: {{ badge }}",
        ),
        "zh": (
            "您的{{ show }}胸卡已准备好",
            "{{ name }}，您好：\n\n"
            "您的{{ show }}胸卡已准备好。入场时（{{ show_dates }}，{{ venue }}）请出示下方二维码，"
            "手机显示或打印均可。\n\n"
            "胸卡：{{ badge }}",
        ),
    },
    Topic.SURVEY_INVITATION: {
        "en": (
            "How was {{ show }}? Two minutes of your time",
            "Dear {{ name }},\n\n"
            "thank you for taking part in {{ show }}. Would you tell us how it went? The "
            "survey \u201c{{ survey }}\u201d takes about two minutes; the link below is "
            "yours alone and needs no sign-in.",
        ),
        "zh": (
            "{{ show }}感受如何？请花两分钟告诉我们",
            "{{ name }}，您好：\n\n"
            "感谢您参加{{ show }}。能否告诉我们您的感受？问卷\u201c{{ survey }}\u201d约需两分钟；"
            "下方链接仅供您本人使用，无需登录。",
        ),
    },
    Topic.REBOOKING_INVITATION: {
        "en": (
            "Book your stand at {{ next_show }}",
            "Dear {{ name }},\n\n"
            "thank you for exhibiting with {{ company }} at {{ show }}. Stands for "
            "{{ next_show }} are now open for booking, and returning exhibitors choose "
            "first.\n\n"
            "Reply to this message and our sales team will send you the floor plan and an "
            "offer.",
        ),
        "zh": (
            "欢迎预订{{ next_show }}展位",
            "{{ name }}，您好：\n\n"
            "感谢{{ company }}参展{{ show }}。"
            "{{ next_show }}的展位现已开放预订，老展商可优先选位。\n\n"
            "请回复此邮件，我们的销售团队会将平面图和报价发送给您。",
        ),
    },
    Topic.PROSPECT_INVITATION: {
        "en": (
            "Exhibit at {{ show }}",
            "Dear {{ name }},\n\n"
            "{{ company }} visited our show, and we think your products would find buyers "
            "among its visitors. {{ show }} takes place on {{ show_dates }} at {{ venue }}, "
            "{{ city }}.\n\n"
            "Reply to this message and we will send you the floor plan and an offer.",
        ),
        "zh": (
            "诚邀参展{{ show }}",
            "{{ name }}，您好：\n\n"
            "{{ company }}曾参观我们的展会，我们相信贵公司的产品会受到观众的欢迎。"
            "{{ show }}将于{{ show_dates }}在{{ city }}{{ venue }}举行。\n\n"
            "请回复此邮件，我们会将平面图和报价发送给您。",
        ),
    },
    Topic.INVOICE_REMINDER: {
        "en": (
            "Reminder: invoice {{ invoice }} is overdue",
            "Dear {{ name }},\n\n"
            "our records show that invoice {{ invoice }} for {{ company }} ({{ show }}) was "
            "due on {{ due_on }} and {{ amount_due }} is still open.\n\n"
            "If you have already paid, please ignore this message. Otherwise we would be "
            "grateful for your payment in the coming days.",
        ),
        "zh": (
            "提醒：发票 {{ invoice }} 已逾期",
            "{{ name }}，您好：\n\n"
            "我们的记录显示，{{ company }}（{{ show }}）的发票 {{ invoice }} "
            "已于 {{ due_on }} 到期，"
            "尚有 {{ amount_due }} 未付。\n\n"
            "如您已付款，请忽略此邮件；否则烦请在近日内付款，谢谢。",
        ),
    },
}


def mail_language(value: str | None) -> str:
    """Map a person's or page's language (``zh_Hans_CN``, ``zh``, ``en``…) to en or zh."""
    return "zh" if (value or "").lower().startswith("zh") else "en"


def variables(topic: Topic) -> tuple[str, ...]:
    return COMMON + VARIABLES[topic]
