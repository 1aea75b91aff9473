"""The real providers' OAuth scopes the generator's catalogue describes, with risk, ``jit_only`` and ``implies``.

Scope names are the providers' own strings, prefixed with the provider (one consent screen)
as the trace format requires: Google's ``https://www.googleapis.com/auth/gmail.send`` is
``google:gmail.send``, Microsoft Graph's ``Mail.Send`` is ``microsoft:Mail.Send``, Slack's
``chat:write`` is ``slack:chat:write``, GitHub's ``repo`` is ``github:repo``, Atlassian's
``read:jira-work`` is ``atlassian:read:jira-work``, Stripe Apps' ``refund_write`` is
``stripe:refund_write``, Notion's "insert content" capability is ``notion:insert_content``.
Google's full-mailbox scope ``https://mail.google.com/`` is written ``google:mail.google.com``.

``implies`` follows each provider's documented hierarchy only (``gmail.modify`` covers
``gmail.readonly``, ``gmail.compose`` and ``gmail.labels``; Graph's ``*.ReadWrite`` covers
``*.Read``; GitHub's ``repo`` covers ``public_repo``, ``repo:status`` and
``repo_deployment``; ``admin:org`` covers ``write:org`` which covers ``read:org``); where a
provider keeps read and write separate (Slack, HubSpot, Stripe, Atlassian) nothing is implied.

Risk is the cost of holding the scope unused: about 0.1-0.3 for reads, 0.4-0.7 for writes,
0.9-1.0 for payments, administration, deleting and sharing outside the organisation, which
are also ``jit_only`` (never asked before the agent starts).

Each row of :data:`SCOPE_TABLE` is ``name | risk | jit | implies (space separated) | description``.
"""

from __future__ import annotations

__all__ = ["SCOPE_TABLE"]

SCOPE_TABLE = """
google:gmail.readonly | 0.3 | - | | Read all email messages and settings.
google:gmail.labels | 0.15 | - | | Create, change and delete Gmail labels.
google:gmail.send | 0.6 | - | | Send email on the user's behalf.
google:gmail.compose | 0.6 | - | google:gmail.send | Manage drafts and send email.
google:gmail.modify | 0.7 | - | google:gmail.readonly google:gmail.compose google:gmail.labels | Read, compose, send and organise email (no permanent deletion).
google:mail.google.com | 1.0 | jit | google:gmail.modify | Full Gmail access (https://mail.google.com/), including permanent deletion.
google:calendar.events.readonly | 0.2 | - | | View events on all calendars.
google:calendar.freebusy | 0.1 | - | | View free/busy availability.
google:calendar.readonly | 0.25 | - | google:calendar.events.readonly google:calendar.freebusy | See and download any calendar.
google:calendar.events | 0.5 | - | google:calendar.events.readonly | View and edit events on all calendars.
google:calendar | 0.7 | - | google:calendar.events google:calendar.readonly | Full calendar access, including sharing and deleting calendars.
google:drive.metadata.readonly | 0.15 | - | | See information about Drive files.
google:drive.readonly | 0.35 | - | google:drive.metadata.readonly | See and download all Drive files.
google:drive.file | 0.4 | - | | See, edit, create and delete the Drive files this app created or opened.
google:drive | 0.95 | jit | google:drive.readonly google:drive.file | Full Drive access, including sharing outside the organisation and deleting.
google:documents.readonly | 0.3 | - | | See all Google Docs documents.
google:documents | 0.5 | - | google:documents.readonly | See, edit, create and delete Google Docs documents.
google:spreadsheets.readonly | 0.3 | - | | See all Google Sheets spreadsheets.
google:spreadsheets | 0.5 | - | google:spreadsheets.readonly | See, edit, create and delete spreadsheets.
google:contacts.readonly | 0.25 | - | | See and download contacts.
google:directory.readonly | 0.2 | - | | See the organisation's directory.
google:admin.directory.user | 1.0 | jit | | Create, change and delete the organisation's users (admin).
google:tasks | 0.3 | - | | Create, edit and delete Google Tasks.
google:forms.responses.readonly | 0.3 | - | | See responses to Google Forms.
google:analytics.readonly | 0.25 | - | | See Google Analytics data.
google:youtube.upload | 0.7 | - | | Upload YouTube videos.
microsoft:User.Read | 0.05 | - | | Sign in and read the user's profile.
microsoft:User.ReadBasic.All | 0.15 | - | | Read all users' basic profiles.
microsoft:People.Read | 0.2 | - | | Read the people most relevant to the user.
microsoft:Mail.Read | 0.3 | - | | Read the user's mail.
microsoft:Mail.ReadWrite | 0.65 | - | microsoft:Mail.Read | Read, write, move and delete the user's mail.
microsoft:Mail.Send | 0.6 | - | | Send mail as the user.
microsoft:Calendars.Read | 0.2 | - | | Read the user's calendars.
microsoft:Calendars.Read.Shared | 0.25 | - | microsoft:Calendars.Read | Read calendars the user can access, including shared ones.
microsoft:Calendars.ReadWrite | 0.5 | - | microsoft:Calendars.Read | Full access to the user's calendars.
microsoft:OnlineMeetings.ReadWrite | 0.4 | - | | Create and read the user's online meetings.
microsoft:Files.Read | 0.3 | - | | Read the user's files.
microsoft:Files.ReadWrite | 0.5 | - | microsoft:Files.Read | Full access to the user's files.
microsoft:Files.Read.All | 0.4 | - | microsoft:Files.Read | Read all files the user can access.
microsoft:Files.ReadWrite.All | 0.95 | jit | microsoft:Files.ReadWrite microsoft:Files.Read.All | Read, write, share and delete all files the user can access, including outside the organisation.
microsoft:Sites.Read.All | 0.35 | - | | Read items in all SharePoint site collections.
microsoft:Contacts.Read | 0.25 | - | | Read the user's contacts.
microsoft:Chat.Read | 0.35 | - | | Read the user's Teams chat messages.
microsoft:ChatMessage.Send | 0.5 | - | | Send Teams chat messages.
microsoft:ChannelMessage.Read.All | 0.4 | - | | Read Teams channel messages.
microsoft:ChannelMessage.Send | 0.5 | - | | Send Teams channel messages.
microsoft:Channel.ReadBasic.All | 0.1 | - | | Read Teams channel names and descriptions.
microsoft:Channel.Create | 0.5 | - | | Create Teams channels.
microsoft:ChannelMember.ReadWrite.All | 0.6 | - | | Add and remove members of Teams channels.
microsoft:Tasks.ReadWrite | 0.3 | - | | Create, read, update and delete the user's tasks (To Do, Planner).
microsoft:Notes.ReadWrite | 0.35 | - | | Read and write the user's OneNote notebooks.
microsoft:User.Invite.All | 0.95 | jit | | Invite guest users from outside the organisation.
microsoft:User.ReadWrite.All | 1.0 | jit | microsoft:User.ReadBasic.All | Create, change and delete the organisation's users (admin).
slack:channels:read | 0.1 | - | | View basic information about public channels.
slack:channels:history | 0.35 | - | | View messages in public channels.
slack:channels:manage | 0.5 | - | | Create channels and manage their members.
slack:groups:history | 0.45 | - | | View messages in private channels.
slack:chat:write | 0.5 | - | | Post messages as the user.
slack:im:write | 0.3 | - | | Start direct messages.
slack:search:read | 0.4 | - | | Search the workspace's messages and files.
slack:users:read | 0.1 | - | | View people in the workspace.
slack:users:read.email | 0.2 | - | | View people's email addresses.
slack:files:write | 0.45 | - | | Upload, edit and delete files.
slack:reminders:write | 0.2 | - | | Add and remove reminders.
slack:reactions:write | 0.1 | - | | Add and remove emoji reactions.
slack:admin.users:write | 1.0 | jit | | Invite, deactivate and change workspace members (admin).
github:repo | 0.7 | - | github:public_repo github:repo:status github:repo_deployment | Full control of private repositories.
github:public_repo | 0.4 | - | | Read and write public repositories.
github:repo:status | 0.2 | - | | Read and write commit statuses.
github:repo_deployment | 0.4 | - | | Read and write deployment statuses.
github:workflow | 0.75 | - | | Update GitHub Actions workflow files.
github:read:org | 0.15 | - | | Read organisation membership and teams.
github:write:org | 0.6 | - | github:read:org | Read and write organisation membership.
github:admin:org | 1.0 | jit | github:write:org | Fully manage the organisation, its teams and members (admin).
github:delete_repo | 1.0 | jit | | Delete repositories.
github:gist | 0.3 | - | | Create gists.
github:notifications | 0.15 | - | | Read and mark notifications.
github:project | 0.4 | - | | Read and write projects.
atlassian:read:jira-work | 0.3 | - | | Read Jira projects, issues and comments.
atlassian:write:jira-work | 0.55 | - | | Create and edit Jira issues, comments and worklogs.
atlassian:read:jira-user | 0.1 | - | | Read Jira user information.
atlassian:manage:jira-project | 1.0 | jit | | Create and administer Jira projects (admin).
atlassian:read:confluence-content.all | 0.3 | - | | Read all Confluence content.
atlassian:write:confluence-content | 0.5 | - | | Create and edit Confluence pages and blog posts.
atlassian:search:confluence | 0.25 | - | | Search Confluence content.
atlassian:read:confluence-space.summary | 0.1 | - | | Read Confluence space summaries.
notion:read_content | 0.3 | - | | Read pages, databases and blocks shared with the integration.
notion:update_content | 0.5 | - | | Update existing pages and blocks.
notion:insert_content | 0.45 | - | | Create pages and add blocks.
notion:insert_comments | 0.2 | - | | Add comments.
salesforce:api | 0.7 | - | | Access and manage Salesforce data through the REST API.
salesforce:chatter_api | 0.35 | - | | Access Chatter feeds.
salesforce:full | 1.0 | jit | salesforce:api salesforce:chatter_api | Full access to all data the user can access (admin).
hubspot:crm.objects.contacts.read | 0.3 | - | | Read CRM contacts.
hubspot:crm.objects.contacts.write | 0.55 | - | | Create and edit CRM contacts, notes and activities.
hubspot:crm.objects.deals.read | 0.3 | - | | Read CRM deals.
hubspot:crm.objects.deals.write | 0.55 | - | | Create and edit CRM deals.
hubspot:crm.objects.companies.read | 0.2 | - | | Read CRM companies.
stripe:customer_read | 0.35 | - | | Read customers.
stripe:customer_write | 0.6 | - | | Create and update customers.
stripe:charge_read | 0.35 | - | | Read charges.
stripe:payment_intent_read | 0.35 | - | | Read payment intents.
stripe:invoice_read | 0.3 | - | | Read invoices.
stripe:invoice_write | 0.7 | - | | Create, finalise and send invoices.
stripe:balance_read | 0.4 | - | | Read the account balance.
stripe:refund_write | 1.0 | jit | | Refund charges (moves money).
stripe:payout_write | 1.0 | jit | | Create payouts (moves money).
stripe:subscription_write | 0.9 | jit | | Create, change and cancel subscriptions.
zoom:meeting:write | 0.4 | - | | Create and edit Zoom meetings.
zoom:recording:read | 0.4 | - | | Read cloud recordings.
dropbox:files.content.write | 0.5 | - | | Upload and edit files in Dropbox.
dropbox:sharing.write | 0.95 | jit | | Share Dropbox files and folders, including outside the organisation.
airtable:data.records:read | 0.3 | - | | Read records.
airtable:data.records:write | 0.5 | - | | Create, edit and delete records.
zendesk:tickets:write | 0.5 | - | | Create and update support tickets.
docusign:signature | 0.8 | - | | Send envelopes for signature.
quickbooks:com.intuit.quickbooks.accounting | 0.8 | - | | Read and write accounting data.
shopify:read_orders | 0.35 | - | | Read orders.
figma:file_content:read | 0.25 | - | | Read Figma file contents.
asana:tasks:write | 0.35 | - | | Create and edit Asana tasks.
linear:issues:create | 0.4 | - | | Create Linear issues.
trello:write | 0.4 | - | | Create and edit boards, lists and cards.
box:root_readwrite | 0.6 | - | | Read and write all files in Box.
"""
