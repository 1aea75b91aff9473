"""Workplace task families: email, calendar, files, documents and chat, asked by every team."""

from __future__ import annotations

from scopecast.generator._family import Family, Step, family, option

__all__ = ["WORKPLACE_FAMILIES"]

_ALL = {"engineering": 1.0, "sales": 1.0, "finance": 1.0, "support": 1.0, "operations": 1.0, "management": 1.0}  # fmt: skip

_NOTIFY_CHAT = option(
    (
        "[post|drop] a [quick |]note in {channel}",
        "let {channel} know",
        "[share|post] [a summary|the outcome] in {channel}",
    ),
    0.2,
    (Step("chat.post"),),
)

REPLY_EMAIL = family(
    "reply_email",
    _ALL,
    (
        "[reply|respond|write back] to {person}'s [email|message|note] about {topic}",
        "get back to {person} on the {subject} [thread|email]",
        "answer {person}'s [last |latest |]email [about|on|regarding] {topic}",
        "find the [email|thread] from {person} about {topic} and [reply|respond] [saying|telling them] we're [on it|good to go|still reviewing]",
    ),
    (Step("mail.search"), Step("mail.read"), Step("mail.reply", person=True)),
    (
        option(
            ("propose a [call|meeting] on {date}", "set up a [30 min|quick] call with them {date}"),
            0.2,
            (Step("cal.find_free_time"), Step("cal.create_event", person=True)),
        ),
        option(
            (
                "if {person} asks for the numbers, attach the latest {subject} [file|spreadsheet]",
                "if they need the [file|deck], [attach|link] it from [Drive|our shared folder]",
            ),
            0.25,
            (Step("files.search", branch=0.45), Step("files.read", branch=0.45)),
            sentence=True,
            at="before_last",
        ),
        _NOTIFY_CHAT,
    ),
)

SEND_EMAIL = family(
    "send_email",
    _ALL,
    (
        "[send|write] {person} [an email|a note|a quick email] about {topic}",
        "[shoot|drop] {person} an email [about|on|re] {topic}",
        "let {person} know by email that {topic} [is done|moved to {date}|needs their sign-off]",
        "[email|mail] {person}: [{topic} is ready for review|can we talk about {topic} {date}]",
    ),
    (Step("mail.send", person=True),),
    (
        option(
            (
                "[attach|include] the {subject} [file|doc|deck]",
                "attach the latest {doc} from [Drive|the shared folder]",
            ),
            0.3,
            (Step("files.search"), Step("files.read")),
            at="before_last",
        ),
        option(
            ("[draft it first|just draft it] so I can review", "leave it as a draft for me"),
            0.15,
            (Step("mail.draft", person=True),),
        ),
        option(
            (
                "invite them to a [meeting|call] on {date} at {time}",
                "put a [meeting|call] on the calendar for {date}",
            ),
            0.2,
            (Step("cal.create_event", person=True),),
        ),
    ),
)

SCHEDULE_MEETING = family(
    "schedule_meeting",
    _ALL,
    (
        "[schedule|set up|book] a [meeting|call|sync|1:1] with {person} [on|for] {date} [at {time}|]",
        "find a [slot|time] [this week|on {date}] for me and {person} to [discuss|go over|talk about] {topic}",
        "[put|get] [a meeting|something] on the calendar with {person} about {topic}",
        "[organise|arrange] a [30-minute|one-hour|quick] [sync|review] on {topic} with {person} {date}",
    ),
    (Step("cal.find_free_time"), Step("cal.create_event", person=True)),
    (
        option(
            ("send {person} an agenda [by email|beforehand]", "email them the agenda"),
            0.25,
            (Step("mail.send", person=True),),
        ),
        option(
            (
                "attach the {subject} [doc|deck] to the invite",
                "link the {doc} on {topic} in the invite",
            ),
            0.2,
            (Step("files.search"),),
            at="before_last",
        ),
        option(
            (
                "if {date} doesn't work for them, move [it|my other meeting] instead",
                "if there's a clash, reschedule [my|the] [other meeting|1:1] [rather than|instead of] skipping it",
            ),
            0.25,
            (Step("cal.list_events", branch=0.5), Step("cal.update_event", branch=0.35)),
            sentence=True,
        ),
        _NOTIFY_CHAT,
    ),
)

RESCHEDULE = family(
    "reschedule_meeting",
    _ALL,
    (
        "[move|push|reschedule] my [meeting|call|sync] with {person} [to|until] {date} [at {time}|]",
        "[cancel|drop] the {subject} [meeting|review] on {date}",
        "shift the {subject} [sync|review] [to|over to] {date}",
    ),
    (Step("cal.list_events"), Step("cal.update_event", person=True)),
    (
        option(
            ("tell {person} by email", "email {person} [about the change|to apologise]"),
            0.3,
            (Step("mail.send", person=True),),
        ),
        option(
            (
                "message {person} [about it|on chat]",
                "ping {person} [about the change|so they know]",
            ),
            0.2,
            (Step("chat.dm", person=True),),
        ),
    ),
)

INBOX_TRIAGE = family(
    "inbox_triage",
    {
        "management": 2.0,
        "sales": 1.0,
        "support": 1.0,
        "operations": 1.0,
        "finance": 0.6,
        "engineering": 0.4,
    },
    (
        "[clean up|tidy|triage] my inbox",
        "[go through|sort] my unread [email|mail] and archive the newsletters",
        "archive everything [older than a week|from notifications] [in my inbox|]",
        "[label|tag] the emails about {topic} and archive the rest",
    ),
    (Step("mail.search"), Step("mail.archive")),
    (
        option(
            ("[label|tag] the ones about {topic}", "put the {subject} ones under a new label"),
            0.3,
            (Step("mail.label"),),
        ),
        option(
            (
                "if there's spam from {customer}, delete it for good",
                "if you find phishing, [delete|purge] it permanently",
            ),
            0.2,
            (Step("mail.delete", branch=0.4),),
            sentence=True,
        ),
        option(
            (
                "[send|DM] me a [summary|list] of what [needs a reply|is urgent] on chat",
                "message me the urgent ones",
            ),
            0.2,
            (Step("chat.dm"),),
        ),
    ),
    person="none",
)

SHARE_FILE = family(
    "share_file",
    _ALL,
    (
        "share the {subject} [doc|deck|spreadsheet|file] with {person}",
        "[give|grant] {person} access to the {subject} [folder|file]",
        "send {person} a link to the {doc} on {topic}",
    ),
    (Step("files.search"), Step("files.share_internal", person=True)),
    (
        option(
            ("[email|tell] them it's [there|shared]", "drop {person} an email with the link"),
            0.3,
            (Step("mail.send", person=True),),
        ),
        option(
            (
                "if {person} is outside the company, share it externally [with view access|read-only]",
                "if they don't have an account with us, send them an external link",
            ),
            0.2,
            (Step("files.share_external", branch=0.4),),
            sentence=True,
        ),
    ),
)

SHARE_EXTERNAL = family(
    "share_external",
    {"sales": 1.5, "support": 0.8, "management": 0.8, "finance": 0.5},
    (
        "share the {subject} [proposal|deck|contract] with {person} [from|at] {customer}",
        "send {customer} ({person}) [a link to|access to] the {subject} [folder|file]",
    ),
    (Step("files.search"), Step("files.share_external", person=True)),
    (
        option(
            ("email {person} [the link|that it's shared]",), 0.5, (Step("mail.send", person=True),)
        ),
    ),
    person="external",
)

MEETING_NOTES = family(
    "meeting_notes",
    _ALL,
    (
        "[write up|draft] [notes|a recap] from [today's|my] {subject} [meeting|call][ with {person}|]",
        "turn my {subject} meeting into a [doc|one-pager|recap]",
        "[create|start] a {doc} for the {subject} [sync|review] on {date}",
    ),
    (Step("cal.list_events"), Step("doc.create")),
    (
        option(
            ("[share it with|send it to] {person}", "email it to {person}"),
            0.35,
            (Step("mail.send", person=True),),
        ),
        _NOTIFY_CHAT,
        option(
            (
                "add the action items to [the|our] [wiki|team page]",
                "put the action items on the [wiki|project page]",
            ),
            0.15,
            (Step("wiki.update_page"),),
        ),
    ),
)

SUMMARIZE_CHANNEL = family(
    "summarize_channel",
    {"management": 2.0, "engineering": 1.0, "operations": 1.0, "support": 1.0, "sales": 0.6},
    (
        "[summarise|summarize|recap] [what happened|the discussion] in {channel} [today|this week|since Monday|since yesterday]",
        "catch me up on {channel}",
        "[read|go through] {channel} and [tell me|list] [what I missed|the decisions made]",
    ),
    (Step("chat.read_channel"),),
    (
        option(
            ("[post|share] the [summary|recap] in {channel}", "post it back to the channel"),
            0.3,
            (Step("chat.post"),),
        ),
        option(
            ("email the [summary|recap] to {person}", "send it to {person} by email"),
            0.25,
            (Step("mail.send", person=True),),
        ),
        option(
            ("save it [as a page|in the wiki]", "add it to the team wiki"),
            0.15,
            (Step("wiki.create_page"),),
        ),
    ),
)

EXPENSE_SHEET = family(
    "update_spreadsheet",
    {"finance": 2.0, "operations": 1.5, "management": 0.8, "sales": 0.5},
    (
        "[add|log] {amount} for {topic} to the [expenses|budget|tracking] sheet",
        "update the {project} [budget|tracker] spreadsheet with {amount} [spent on|for] {topic}",
        "[record|put] the {subject} [costs|numbers] in the {project} sheet",
    ),
    (Step("sheet.read"), Step("sheet.append")),
    (
        option(
            ("let {person} know [by email|when it's done]", "email {person} the new total"),
            0.3,
            (Step("mail.send", person=True),),
        ),
        option(
            (
                "if we're over budget, [flag it|warn] in {channel}",
                "if the total is past the limit, post a heads-up in {channel}",
            ),
            0.2,
            (Step("chat.post", branch=0.3),),
            sentence=True,
        ),
    ),
)

WORKPLACE_FAMILIES: tuple[Family, ...] = (
    REPLY_EMAIL,
    SEND_EMAIL,
    SCHEDULE_MEETING,
    RESCHEDULE,
    INBOX_TRIAGE,
    SHARE_FILE,
    SHARE_EXTERNAL,
    MEETING_NOTES,
    SUMMARIZE_CHANNEL,
    EXPENSE_SHEET,
)
