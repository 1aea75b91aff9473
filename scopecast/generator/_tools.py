"""The tools of the generator's world: which provider tool implements which capability, with its scopes.

A *capability* is what a plan step wants done (``mail.send``, ``cal.create_event``,
``issue.comment``); a *tool* is how one provider's API does it (``gmail.send_message`` with
``google:gmail.send``, ``outlook.send_mail`` with ``microsoft:Mail.Send``). A capability has
one or more tool *variants* per provider: an organisation's provider choice picks the
provider, a user's habit picks the variant, and a tool substitution swaps it for another
variant mid-run (sometimes with different scopes: ``gdrive.search_files`` needs
``google:drive.readonly``, ``gdrive.list_files`` only ``google:drive.metadata.readonly``).

:data:`TOOL_TABLE` rows are ``capability | provider | tool | scopes | description``; a tool
may serve several capabilities (one row each, same scopes). :data:`TAIL_TABLE` lists the
long tail: rare tools reached through an optional clause of the task, each with a Zipf
weight rank, the office suite it requires (``-`` for any), a description and alternative
clauses separated by ``;``.
"""

from __future__ import annotations

__all__ = ["TAIL_TABLE", "TOOL_TABLE"]

TOOL_TABLE = """
time.now | builtin | time.get_current_date | | Return today's date in the user's time zone.
mail.search | google | gmail.search_messages | google:gmail.readonly | Search messages with a Gmail query.
mail.search | google | gmail.list_threads | google:gmail.readonly | List email threads matching a query.
mail.read | google | gmail.get_message | google:gmail.readonly | Read one email message.
mail.read | google | gmail.get_thread | google:gmail.readonly | Read a whole email thread.
mail.send | google | gmail.send_message | google:gmail.send | Send an email.
mail.send | google | gmail.send_draft | google:gmail.compose | Send a draft email, creating it first.
mail.draft | google | gmail.create_draft | google:gmail.compose | Create an email draft for review.
mail.reply | google | gmail.reply_to_thread | google:gmail.send | Reply in an email thread.
mail.archive | google | gmail.modify_message | google:gmail.modify | Archive, star or mark messages as read.
mail.archive | google | gmail.batch_modify | google:gmail.modify | Archive or relabel many messages at once.
mail.label | google | gmail.create_label | google:gmail.labels | Create an email label.
mail.delete | google | gmail.delete_message | google:mail.google.com | Permanently delete an email message.
mail.search | microsoft | outlook.search_messages | microsoft:Mail.Read | Search the user's mailbox.
mail.search | microsoft | outlook.list_messages | microsoft:Mail.Read | List messages in a mail folder.
mail.read | microsoft | outlook.get_message | microsoft:Mail.Read | Read one email message.
mail.send | microsoft | outlook.send_mail | microsoft:Mail.Send | Send an email.
mail.draft | microsoft | outlook.create_draft | microsoft:Mail.ReadWrite | Create an email draft for review.
mail.reply | microsoft | outlook.reply_to_message | microsoft:Mail.Send | Reply to an email message.
mail.archive | microsoft | outlook.move_message | microsoft:Mail.ReadWrite | Move messages to another folder.
mail.label | microsoft | outlook.set_categories | microsoft:Mail.ReadWrite | Set categories on messages.
mail.delete | microsoft | outlook.delete_message | microsoft:Mail.ReadWrite | Delete an email message.
cal.list_events | google | gcal.list_events | google:calendar.events.readonly | List calendar events in a time range.
cal.list_events | google | gcal.get_calendar | google:calendar.readonly | Read a whole calendar with its events.
cal.find_free_time | google | gcal.query_freebusy | google:calendar.freebusy | Find free slots for a group of people.
cal.create_event | google | gcal.insert_event | google:calendar.events | Create a calendar event and invite people.
cal.create_event | google | gcal.quick_add_event | google:calendar.events | Create an event from a short text.
cal.update_event | google | gcal.patch_event | google:calendar.events | Change an event's time, guests or details.
cal.delete_event | google | gcal.delete_event | google:calendar.events | Cancel a calendar event.
cal.list_events | microsoft | outlook.list_calendar_view | microsoft:Calendars.Read | List calendar events in a time range.
cal.find_free_time | microsoft | outlook.find_meeting_times | microsoft:Calendars.Read.Shared | Suggest meeting times for a group of people.
cal.find_free_time | microsoft | outlook.get_schedule | microsoft:Calendars.Read | Read free/busy schedules.
cal.create_event | microsoft | outlook.create_event | microsoft:Calendars.ReadWrite | Create a calendar event and invite people.
cal.create_event | microsoft | teams.create_online_meeting | microsoft:OnlineMeetings.ReadWrite | Create a Teams meeting.
cal.update_event | microsoft | outlook.update_event | microsoft:Calendars.ReadWrite | Change an event's time, attendees or details.
cal.delete_event | microsoft | outlook.cancel_event | microsoft:Calendars.ReadWrite | Cancel a calendar event.
files.search | google | gdrive.search_files | google:drive.readonly | Search Drive files by name and content.
files.search | google | gdrive.list_files | google:drive.metadata.readonly | List Drive files by name.
files.read | google | gdrive.download_file | google:drive.readonly | Download a Drive file's content.
files.read | google | gdrive.export_file | google:drive.readonly | Export a Drive file as PDF or text.
files.upload | google | gdrive.upload_file | google:drive.file | Upload a new file to Drive.
files.share_internal | google | gdrive.share_file | google:drive.file | Share a file the agent created with colleagues.
files.share_external | google | gdrive.share_external | google:drive | Share any Drive file with people outside the organisation.
files.delete | google | gdrive.delete_file | google:drive | Permanently delete a Drive file.
files.search | microsoft | onedrive.search_items | microsoft:Files.Read.All | Search files across OneDrive and SharePoint.
files.search | microsoft | sharepoint.search_sites | microsoft:Sites.Read.All | Search SharePoint sites and libraries.
files.read | microsoft | onedrive.get_content | microsoft:Files.Read.All | Download a file's content.
files.upload | microsoft | onedrive.upload_file | microsoft:Files.ReadWrite | Upload a file to OneDrive.
files.share_internal | microsoft | onedrive.create_sharing_link | microsoft:Files.ReadWrite | Create an organisation-only sharing link.
files.share_external | microsoft | onedrive.invite_external | microsoft:Files.ReadWrite.All | Share a file with people outside the organisation.
files.delete | microsoft | onedrive.delete_item | microsoft:Files.ReadWrite.All | Delete a file.
doc.create | google | gdocs.create_document | google:documents | Create a Google Doc.
doc.read | google | gdocs.get_document | google:documents.readonly | Read a Google Doc.
doc.append | google | gdocs.batch_update | google:documents | Insert text into a Google Doc.
doc.create | microsoft | word.create_document | microsoft:Files.ReadWrite | Create a Word document in OneDrive.
doc.read | microsoft | word.get_document | microsoft:Files.Read | Read a Word document.
doc.append | microsoft | word.append_text | microsoft:Files.ReadWrite | Append text to a Word document.
sheet.read | google | gsheets.get_values | google:spreadsheets.readonly | Read a range of a spreadsheet.
sheet.append | google | gsheets.append_values | google:spreadsheets | Append rows to a spreadsheet.
sheet.create | google | gsheets.create_spreadsheet | google:spreadsheets | Create a spreadsheet.
sheet.read | microsoft | excel.get_range | microsoft:Files.Read | Read a range of an Excel workbook.
sheet.append | microsoft | excel.add_table_rows | microsoft:Files.ReadWrite | Append rows to an Excel table.
sheet.create | microsoft | excel.create_workbook | microsoft:Files.ReadWrite | Create an Excel workbook.
contacts.lookup | google | gcontacts.search_contacts | google:contacts.readonly | Find a contact's email address.
contacts.lookup | google | gdirectory.search_people | google:directory.readonly | Find a colleague in the organisation's directory.
contacts.lookup | microsoft | outlook.search_people | microsoft:People.Read | Find a person the user works with.
contacts.lookup | microsoft | graph.list_users | microsoft:User.ReadBasic.All | Find a colleague in the organisation's directory.
directory.create_user | google | gadmin.create_user | google:admin.directory.user | Create a user account in the organisation (admin).
directory.create_user | microsoft | graph.create_user | microsoft:User.ReadWrite.All | Create a user account in the organisation (admin).
chat.read_channel | slack | slack.conversations_history | slack:channels:history | Read a channel's recent messages.
chat.list_channels | slack | slack.conversations_list | slack:channels:read | List channels.
chat.post | slack | slack.chat_post_message | slack:chat:write | Post a message to a channel.
chat.dm | slack | slack.send_direct_message | slack:im:write slack:chat:write | Send someone a direct message.
chat.search | slack | slack.search_messages | slack:search:read | Search messages across the workspace.
chat.lookup_user | slack | slack.users_lookup_by_email | slack:users:read.email | Find a member by email address.
chat.lookup_user | slack | slack.users_list | slack:users:read | List workspace members.
chat.upload_file | slack | slack.files_upload | slack:files:write | Upload a file to a channel.
chat.invite | slack | slack.conversations_invite | slack:channels:manage | Invite people to a channel.
chat.create_channel | slack | slack.conversations_create | slack:channels:manage | Create a channel.
chat.remind | slack | slack.reminders_add | slack:reminders:write | Set a reminder.
chat.react | slack | slack.reactions_add | slack:reactions:write | Add an emoji reaction.
chat.admin_invite | slack | slack.admin_users_invite | slack:admin.users:write | Invite someone to the workspace (admin).
chat.read_channel | microsoft | teams.list_channel_messages | microsoft:ChannelMessage.Read.All | Read a channel's recent messages.
chat.list_channels | microsoft | teams.list_channels | microsoft:Channel.ReadBasic.All | List a team's channels.
chat.post | microsoft | teams.send_channel_message | microsoft:ChannelMessage.Send | Post a message to a channel.
chat.dm | microsoft | teams.send_chat_message | microsoft:ChatMessage.Send | Send someone a chat message.
chat.search | microsoft | teams.list_chat_messages | microsoft:Chat.Read | Read the user's chats.
chat.lookup_user | microsoft | graph.get_user | microsoft:User.ReadBasic.All | Look up a colleague's profile.
chat.upload_file | microsoft | onedrive.upload_file | microsoft:Files.ReadWrite | Upload a file to OneDrive.
chat.invite | microsoft | teams.add_channel_member | microsoft:ChannelMember.ReadWrite.All | Add people to a channel.
chat.create_channel | microsoft | teams.create_channel | microsoft:Channel.Create | Create a channel.
chat.remind | microsoft | todo.create_task | microsoft:Tasks.ReadWrite | Create a To Do task with a reminder.
chat.react | microsoft | teams.send_channel_message | microsoft:ChannelMessage.Send | Post a message to a channel.
chat.admin_invite | microsoft | graph.invite_guest | microsoft:User.Invite.All | Invite a guest from outside the organisation.
code.read_file | github | github.get_file_contents | github:repo | Read a file from a repository.
code.search | github | github.search_code | github:repo | Search code across repositories.
code.create_branch | github | github.create_branch | github:repo | Create a branch.
code.commit | github | github.create_or_update_file | github:repo | Commit a file change.
code.commit | github | github.push_files | github:repo | Commit several files in one push.
code.open_pr | github | github.create_pull_request | github:repo | Open a pull request.
code.review | github | github.create_pull_request_review | github:repo | Review a pull request.
code.review | github | github.get_pull_request_diff | github:repo | Read a pull request's diff.
code.merge | github | github.merge_pull_request | github:repo | Merge a pull request.
code.read_ci | github | github.get_workflow_run_logs | github:repo | Download a workflow run's logs.
code.read_ci | github | github.list_check_runs | github:repo:status | List the checks of a commit.
code.run_workflow | github | github.rerun_workflow | github:repo | Re-run a failed workflow.
code.edit_workflow | github | github.update_workflow_file | github:workflow | Change a GitHub Actions workflow file.
code.set_status | github | github.create_commit_status | github:repo:status | Set a commit status.
code.release | github | github.create_release | github:repo | Publish a release.
code.deploy | github | github.create_deployment | github:repo_deployment | Start a deployment.
code.list_members | github | github.list_org_members | github:read:org | List the organisation's members and teams.
code.add_member | github | github.set_org_membership | github:admin:org | Add someone to the organisation (admin).
code.delete_repo | github | github.delete_repository | github:delete_repo | Delete a repository.
issue.search | github | github.search_issues | github:repo | Search issues and pull requests.
issue.read | github | github.get_issue | github:repo | Read an issue with its comments.
issue.create | github | github.create_issue | github:repo | Open an issue.
issue.comment | github | github.add_issue_comment | github:repo | Comment on an issue or pull request.
issue.update | github | github.update_issue | github:repo | Change an issue's state or labels.
issue.assign | github | github.add_assignees | github:repo | Assign an issue.
issue.search | atlassian | jira.search_jql | atlassian:read:jira-work | Search Jira issues with JQL.
issue.read | atlassian | jira.get_issue | atlassian:read:jira-work | Read a Jira issue.
issue.create | atlassian | jira.create_issue | atlassian:write:jira-work | Create a Jira issue.
issue.comment | atlassian | jira.add_comment | atlassian:write:jira-work | Comment on a Jira issue.
issue.update | atlassian | jira.transition_issue | atlassian:write:jira-work | Move a Jira issue to another status.
issue.assign | atlassian | jira.assign_issue | atlassian:write:jira-work | Assign a Jira issue.
issue.find_user | atlassian | jira.find_users | atlassian:read:jira-user | Find a Jira user by name.
issue.find_user | github | github.list_org_members | github:read:org | List the organisation's members and teams.
wiki.search | atlassian | confluence.search | atlassian:search:confluence | Search Confluence with CQL.
wiki.read | atlassian | confluence.get_page | atlassian:read:confluence-content.all | Read a Confluence page.
wiki.create_page | atlassian | confluence.create_page | atlassian:write:confluence-content | Create a Confluence page.
wiki.update_page | atlassian | confluence.update_page | atlassian:write:confluence-content | Edit a Confluence page.
wiki.list_spaces | atlassian | confluence.get_spaces | atlassian:read:confluence-space.summary | List Confluence spaces.
wiki.search | notion | notion.search | notion:read_content | Search pages and databases.
wiki.read | notion | notion.retrieve_page | notion:read_content | Read a page's properties.
wiki.read | notion | notion.retrieve_block_children | notion:read_content | Read a page's content.
wiki.create_page | notion | notion.create_page | notion:insert_content | Create a page.
wiki.update_page | notion | notion.append_block_children | notion:insert_content | Append content to a page.
wiki.update_page | notion | notion.update_block | notion:update_content | Edit a block of a page.
wiki.list_spaces | notion | notion.search | notion:read_content | Search pages and databases.
wiki.comment | notion | notion.create_comment | notion:insert_comments | Comment on a page.
wiki.comment | atlassian | confluence.create_footer_comment | atlassian:write:confluence-content | Comment on a Confluence page.
crm.find_contact | salesforce | salesforce.soql_query | salesforce:api | Run a SOQL query.
crm.find_contact | salesforce | salesforce.search | salesforce:api | Search records with SOSL.
crm.find_deal | salesforce | salesforce.soql_query | salesforce:api | Run a SOQL query.
crm.update_contact | salesforce | salesforce.update_record | salesforce:api | Update a record.
crm.update_deal | salesforce | salesforce.update_record | salesforce:api | Update a record.
crm.create_contact | salesforce | salesforce.create_record | salesforce:api | Create a record.
crm.log_activity | salesforce | salesforce.create_task | salesforce:api | Log an activity on a record.
crm.log_activity | salesforce | salesforce.post_chatter_feed | salesforce:chatter_api | Post to a record's Chatter feed.
crm.find_company | salesforce | salesforce.search | salesforce:api | Search records with SOSL.
crm.find_contact | hubspot | hubspot.search_contacts | hubspot:crm.objects.contacts.read | Search contacts.
crm.find_deal | hubspot | hubspot.search_deals | hubspot:crm.objects.deals.read | Search deals.
crm.update_contact | hubspot | hubspot.update_contact | hubspot:crm.objects.contacts.write | Update a contact.
crm.update_deal | hubspot | hubspot.update_deal | hubspot:crm.objects.deals.write | Update a deal's stage or amount.
crm.create_contact | hubspot | hubspot.create_contact | hubspot:crm.objects.contacts.write | Create a contact.
crm.log_activity | hubspot | hubspot.create_note | hubspot:crm.objects.contacts.write | Log a note on a contact.
crm.find_company | hubspot | hubspot.get_company | hubspot:crm.objects.companies.read | Read a company record.
pay.find_customer | stripe | stripe.search_customers | stripe:customer_read | Search customers.
pay.list_charges | stripe | stripe.list_charges | stripe:charge_read | List a customer's charges.
pay.list_charges | stripe | stripe.list_payment_intents | stripe:payment_intent_read | List a customer's payment intents.
pay.refund | stripe | stripe.create_refund | stripe:refund_write | Refund a charge.
pay.create_invoice | stripe | stripe.create_invoice | stripe:invoice_write | Create a draft invoice.
pay.send_invoice | stripe | stripe.send_invoice | stripe:invoice_write | Finalise and email an invoice.
pay.list_invoices | stripe | stripe.list_invoices | stripe:invoice_read | List a customer's invoices.
pay.update_customer | stripe | stripe.update_customer | stripe:customer_write | Update a customer's details.
pay.read_balance | stripe | stripe.retrieve_balance | stripe:balance_read | Read the account balance.
pay.payout | stripe | stripe.create_payout | stripe:payout_write | Pay out to the bank account.
pay.cancel_subscription | stripe | stripe.cancel_subscription | stripe:subscription_write | Cancel a subscription.
"""

TAIL_TABLE = """
zoom.create_meeting | zoom:meeting:write | 1 | - | Create a Zoom meeting. | set up a Zoom call for it; add a Zoom link; use Zoom rather than the usual meeting link
airtable.create_record | airtable:data.records:write | 2 | - | Create a record in an Airtable base. | log it in our Airtable base; add a row to the Airtable tracker
github.create_gist | github:gist | 3 | - | Create a gist. | put the snippet in a gist; share the snippet as a GitHub gist
google.tasks_insert | google:tasks | 4 | google | Add a task to Google Tasks. | add a follow-up to my Google Tasks; put a task on my Google Tasks list
todo.create_task | microsoft:Tasks.ReadWrite | 4 | microsoft | Create a To Do task with a reminder. | add a follow-up to my To Do list; put a task in Microsoft To Do
zendesk.update_ticket | zendesk:tickets:write | 5 | - | Update a support ticket. | update the Zendesk ticket too; note it on the Zendesk ticket
dropbox.upload_file | dropbox:files.content.write | 6 | - | Upload a file to Dropbox. | keep a copy in Dropbox; drop a copy into our Dropbox folder
linear.create_issue | linear:issues:create | 7 | - | Create a Linear issue. | file a Linear issue for it; track it in Linear
zoom.list_recordings | zoom:recording:read | 8 | - | List a meeting's cloud recordings. | pull the Zoom recording; grab the recording from Zoom
docusign.send_envelope | docusign:signature | 9 | - | Send a document for signature. | send it for signature via DocuSign; get it signed through DocuSign
onenote.create_page | microsoft:Notes.ReadWrite | 10 | microsoft | Create a OneNote page. | add it to my OneNote; jot it down in OneNote
google.forms_list_responses | google:forms.responses.readonly | 11 | google | List a form's responses. | check the Google Form responses; look at what people answered on the form
asana.create_task | asana:tasks:write | 12 | - | Create an Asana task. | add an Asana task; track it in Asana
figma.get_file | figma:file_content:read | 13 | - | Read a Figma file. | grab the Figma mockups; pull the designs from Figma
quickbooks.create_invoice | quickbooks:com.intuit.quickbooks.accounting | 14 | - | Create an invoice in QuickBooks. | record it in QuickBooks; enter it in QuickBooks
shopify.get_order | shopify:read_orders | 15 | - | Read an order. | look up the Shopify order; check the order in Shopify
trello.add_card | trello:write | 16 | - | Add a card to a Trello list. | add a Trello card; put it on the Trello board
google.analytics_run_report | google:analytics.readonly | 17 | google | Run a Google Analytics report. | pull the Google Analytics numbers; include the traffic numbers from Analytics
box.upload_file | box:root_readwrite | 18 | - | Upload a file to Box. | save a copy to Box; upload it to Box as well
dropbox.create_shared_link | dropbox:sharing.write | 19 | - | Create a shared link to a Dropbox file. | share a Dropbox link with the client; send the client a Dropbox link
youtube.upload_video | google:youtube.upload | 20 | google | Upload a video to YouTube. | upload the recording to YouTube; post the video on our YouTube channel
"""
