"""Team-specific task families: engineering, sales, finance, support and operations work."""

from __future__ import annotations

from scopecast.generator._family import Family, Step, family, option

__all__ = ["TEAM_FAMILIES"]

TRIAGE_BUG = family(
    "triage_bug",
    {"engineering": 2.0, "support": 1.0},
    (
        "[triage|look into|take a look at] the {bug} [issue|ticket|report] ({issue})",
        "[find|check] the ticket for the {bug} and [assign it to|hand it to] {person}",
        "[go over|triage] the new {bug} reports [in {repo}|]",
    ),
    (Step("issue.search"), Step("issue.read"), Step("issue.assign", person=True)),
    (
        option(
            (
                "[add|leave] a comment with [the repro steps|what we know]",
                "comment that we're on it",
            ),
            0.4,
            (Step("issue.comment"),),
        ),
        option(
            ("[move|set] it to in progress", "mark it as triaged"),
            0.3,
            (Step("issue.update"),),
        ),
        option(
            (
                "if it's a regression, [flag it|raise it] in {channel}",
                "if customers are affected, post in {channel}",
            ),
            0.25,
            (Step("chat.post", branch=0.4),),
            sentence=True,
        ),
    ),
)

OPEN_PR = family(
    "open_pull_request",
    {"engineering": 2.5},
    (
        "[fix|patch] the {bug} in {repo} and open a PR",
        "[open|create|put up] a pull request in {repo} [for|that fixes] the {bug}",
        "bump the version in {repo} and [open|send] a PR",
        "update the README in {repo} [about|for] {topic} and open a pull request",
    ),
    (Step("code.read_file"), Step("code.create_branch"), Step("code.commit"), Step("code.open_pr")),
    (
        option(
            ("ask {person} to review it", "[ping|message] {person} for a review"),
            0.35,
            (Step("chat.dm", person=True),),
        ),
        option(
            ("link it [on|from] {issue}", "comment on {issue} with the PR link"),
            0.25,
            (Step("issue.comment"),),
        ),
        option(
            (
                "if CI fails, [rerun it|retry the checks]",
                "if the checks go red, look at the logs and re-run",
            ),
            0.3,
            (Step("code.read_ci", branch=0.35), Step("code.run_workflow", branch=0.3)),
            sentence=True,
        ),
    ),
)

FIX_CI = family(
    "fix_ci",
    {"engineering": 1.5},
    (
        "[figure out|check] why [CI|the build] is failing on {repo}",
        "^[the|our] {repo} [pipeline|build] is red, [look into it|find out why]",
        "re-run the failed [workflow|checks] on {repo}",
    ),
    (Step("code.read_ci"), Step("code.run_workflow")),
    (
        option(
            (
                "[update|fix] the workflow file [if needed|so it stops timing out]",
                "bump the runner version in the workflow",
            ),
            0.25,
            (Step("code.edit_workflow"),),
        ),
        option(
            ("post the [cause|status] in {channel}", "let {channel} know"),
            0.3,
            (Step("chat.post"),),
        ),
    ),
    person="none",
)

RELEASE = family(
    "release",
    {"engineering": 1.0, "operations": 0.8},
    (
        "[cut|publish|tag] a release of {repo}",
        "[ship|release] {project} [today|this afternoon]",
        "create the {repo} release for {project} [and write the notes|]",
    ),
    (Step("code.read_ci"), Step("code.release")),
    (
        option(
            ("deploy it to [production|staging]", "[start|kick off] the deploy"),
            0.35,
            (Step("code.deploy"),),
        ),
        option(
            ("announce it in {channel}", "[post|share] the release notes in {channel}"),
            0.4,
            (Step("chat.post"),),
        ),
        option(
            ("update the release page on the wiki", "add the notes to the [wiki|changelog page]"),
            0.2,
            (Step("wiki.update_page"),),
        ),
    ),
    person="none",
)

CRM_FOLLOWUP = family(
    "crm_followup",
    {"sales": 3.0, "management": 0.5},
    (
        "log my call with {person} from {customer} [in the CRM|]",
        "[update|move] the {customer} deal [to negotiation|to closed won|after today's call]",
        "[record|note down] that {person} at {customer} [wants a demo|asked about pricing|is ready to sign]",
    ),
    (Step("crm.find_contact", person=True), Step("crm.log_activity"), Step("crm.update_deal")),
    (
        option(
            (
                "send {person} a follow-up email",
                "[email|write to] {person} [to thank them|with next steps]",
            ),
            0.45,
            (Step("mail.send", person=True),),
        ),
        option(
            ("book a [demo|follow-up call] with them {date}", "schedule the next call for {date}"),
            0.25,
            (Step("cal.create_event", person=True),),
        ),
        option(
            (
                "if the deal is over {amount}k, tell {channel}",
                "if they signed, celebrate in {channel}",
            ),
            0.2,
            (Step("chat.post", branch=0.35),),
            sentence=True,
        ),
    ),
    person="external",
)

NEW_LEAD = family(
    "new_lead",
    {"sales": 2.0, "support": 0.3},
    (
        "add {person} from {customer} as a [new lead|contact] [in the CRM|]",
        "[create|set up] a contact for {person} ({customer}) and [send|email] them our intro deck",
        "^[we met|I met] {person} from {customer} [at the conference|yesterday], add them to the CRM",
    ),
    (Step("crm.create_contact"), Step("mail.send", person=True)),
    (
        option(
            (
                "check whether {customer} is already [a customer|in the CRM]",
                "see if we already have {customer} on file",
            ),
            0.3,
            (Step("crm.find_company"),),
            at="start",
        ),
        option(
            ("attach the [intro deck|pricing sheet]", "include our one-pager"),
            0.3,
            (Step("files.search"),),
            at="before_last",
        ),
    ),
    person="external",
)

REFUND = family(
    "refund_customer",
    {"support": 2.5, "finance": 1.5},
    (
        "refund {person} [from {customer}|] for [order|invoice] {invoice}",
        "[issue|process] a {amount} refund for {customer}",
        "^{customer} was double-charged {amount}, [refund|reverse] the [duplicate|second] charge",
    ),
    (Step("pay.find_customer", person=True), Step("pay.list_charges"), Step("pay.refund")),
    (
        option(
            ("[email|tell] {person} it's done", "send {person} a confirmation email"),
            0.5,
            (Step("mail.send", person=True),),
        ),
        option(
            (
                "if it's over {amount}, check with {channel} first",
                "if the amount is large, ask in {channel} before refunding",
            ),
            0.25,
            (Step("chat.post", branch=0.35),),
            sentence=True,
            at="before_last",
        ),
    ),
    person="external",
)

INVOICE = family(
    "invoice_customer",
    {"finance": 3.0, "sales": 0.6},
    (
        "[invoice|bill] {customer} {amount} for {topic}",
        "[create|send] an invoice to {customer} for {amount}",
        "[send|issue] {customer}'s invoice for {project}",
    ),
    (Step("pay.find_customer"), Step("pay.create_invoice"), Step("pay.send_invoice")),
    (
        option(
            (
                "if they still have an open invoice, [remind them|send a reminder]",
                "if {invoice} is still unpaid, nudge {person} by email",
            ),
            0.3,
            (Step("pay.list_invoices", branch=0.6), Step("mail.send", branch=0.35, person=True)),
            sentence=True,
        ),
        option(
            ("log it in the [revenue|AR] sheet", "add it to the invoices spreadsheet"),
            0.3,
            (Step("sheet.append"),),
        ),
    ),
    person="external",
)

MONTH_END = family(
    "month_end",
    {"finance": 1.5, "management": 0.5},
    (
        "[check|pull] our Stripe balance and [update|fill in] the {project} [cash|finance] sheet",
        "[do|prep] the month-end [numbers|close] for {project}",
    ),
    (Step("pay.read_balance"), Step("sheet.read"), Step("sheet.append")),
    (
        option(
            ("pay out [the balance|what's available] to the bank", "[trigger|do] the payout"),
            0.2,
            (Step("pay.payout"),),
        ),
        option(
            ("email the summary to {person}", "send {person} the totals"),
            0.4,
            (Step("mail.send", person=True),),
        ),
    ),
)

KNOWLEDGE_ANSWER = family(
    "answer_from_wiki",
    {"support": 2.0, "engineering": 1.0, "operations": 1.0, "sales": 0.8},
    (
        "[find|look up] [our|the] [docs|wiki page] on {topic} and answer {person}",
        "^{person} [is asking|asked] about {topic}, [check|search] the wiki and reply",
        "^what does the wiki say about {topic}? [Tell|Answer] {person}",
    ),
    (Step("wiki.search"), Step("wiki.read"), Step("chat.dm", person=True)),
    (
        option(
            (
                "if the page is out of date, [fix|update] it",
                "if anything's wrong on the page, correct it",
            ),
            0.25,
            (Step("wiki.update_page", branch=0.3),),
            sentence=True,
        ),
    ),
)

ONBOARD = family(
    "onboard_employee",
    {"operations": 2.0, "management": 0.6},
    (
        "onboard {newhire}, [who starts|starting] {date}",
        "[set up|create] accounts for our new hire {newhire}",
        "[get|make sure] {newhire} [is set up|has everything] for [their first day|{date}]",
    ),
    (Step("directory.create_user"), Step("chat.admin_invite"), Step("cal.create_event")),
    (
        option(
            ("add them to the GitHub org", "give them access to our GitHub"),
            0.4,
            (Step("code.add_member"),),
        ),
        option(
            ("share the onboarding folder with them", "give them the onboarding docs"),
            0.4,
            (Step("files.share_internal"),),
        ),
        option(
            ("send {person} [a heads-up|an intro email]", "email {person} to introduce them"),
            0.3,
            (Step("mail.send", person=True),),
        ),
    ),
)

WEEKLY_REPORT = family(
    "weekly_report",
    {"management": 2.5, "engineering": 0.5, "operations": 0.5},
    (
        "[write|put together|draft] the weekly [status|progress] report for {project}",
        "[summarise|summarize] [this week's|the] progress on {project} [for the leadership team|for {person}]",
    ),
    (Step("issue.search"), Step("doc.create")),
    (
        option(
            (
                "include [the|our] numbers from the {project} sheet",
                "pull the metrics from the tracker sheet",
            ),
            0.35,
            (Step("sheet.read"),),
            at="before_last",
        ),
        option(("post it in {channel}", "share it in {channel}"), 0.4, (Step("chat.post"),)),
        option(
            ("email it to {person}", "send it to {person}"), 0.35, (Step("mail.send", person=True),)
        ),
    ),
)

TEAM_FAMILIES: tuple[Family, ...] = (
    TRIAGE_BUG,
    OPEN_PR,
    FIX_CI,
    RELEASE,
    CRM_FOLLOWUP,
    NEW_LEAD,
    REFUND,
    INVOICE,
    MONTH_END,
    KNOWLEDGE_ANSWER,
    ONBOARD,
    WEEKLY_REPORT,
)
