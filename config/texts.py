"""Every sentence the bot says, by name. The words live in the taxonomy file under `texts:`.

A field per text, not a free dictionary, so that a missing or misspelt key stops start-up with its name
instead of failing in front of a citizen. Placeholders in braces are filled with str.format.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from config.department_texts import DepartmentTexts


class LedgerTexts(BaseModel):
    """The ledger (台账) as Excel: its sheets, its columns' titles (in the order of the columns), its words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cases_sheet: str
    counts_sheet: str
    # the columns, in order
    number: str
    received_at: str
    channel: str
    district: str
    category: str
    urgency: str
    status: str
    department: str
    name: str
    phone: str
    problem: str
    contact_due: str
    contacted_at: str
    contact_on_time: str
    resolve_due: str
    resolved_at: str
    resolve_on_time: str
    feedback_due: str
    result: str
    satisfaction: str
    merged_into: str
    attachments: str
    # whether a deadline was met: done in time, done late, not done and past it, not due yet
    on_time: str
    late: str
    overdue: str
    not_due: str
    # the counts sheet's column and its last line
    count: str
    total: str
    # the progress bar of `yibang export`, and the timeline line of an export with full phone numbers
    progress: str
    exported_with_phones: str


class SimilarTexts(BaseModel):
    """Similar cases: the card's line and button, staff answers, the intake's offer, the report's hot spots."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    card_line: str
    card_followers: str
    button_merge: str
    staff_none: str
    staff_merged: str
    offer: str
    choice_follow: str
    choice_separately: str
    followed: str
    event_followed: str
    staff_followed: str
    # a follower's answer to the revisit (their words are the revisit's own: 回访：已解决)
    event_revisit_follower: str
    revisit_follower_thanks: str
    report_title: str
    report_line: str
    report_no_place: str
    # the console: a queue row's group, the dashboard's hot spots
    queue_count: str
    console_line: str
    console_none: str


class KnowledgeConsoleTexts(BaseModel):
    """The console's knowledge-base pages: the entries, their use, the editor and its audit lines."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nav: str
    title: str
    not_configured: str
    entries_heading: str
    col_id: str
    col_question: str
    col_questions: str
    col_answered: str
    col_helped: str
    col_updated: str
    edit: str
    view: str
    new_entry: str
    export: str
    field_id: str
    field_questions: str
    field_answer: str
    field_source: str
    field_updated: str
    save: str
    delete: str
    saved: str
    deleted: str
    refused: str
    not_found: str
    supervisors_only: str
    back: str
    audit_heading: str
    audit_line: str
    action_added: str
    action_edited: str
    action_deleted: str
    use_heading: str
    use_line: str
    unmatched_heading: str
    unmatched_group: str
    none: str


class InstantAnswerTexts(BaseModel):
    """Answers from the knowledge base (config/knowledge.py), the follow-up question, and what the daily
    report says about their use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # {answer}, then {about}: the source and the date that are given, joined by about_separator
    answer: str
    about: str
    about_source: str
    about_updated: str
    about_separator: str
    follow_up: str
    choice_solved: str
    choice_help: str
    solved: str
    to_intake: str
    # beside the intake (a personal request or an urgent one that a published answer also touches)
    beside: str
    # the daily report's part
    report_header: str
    report_entry: str
    report_unmatched_header: str
    report_unmatched_group: str
    report_none: str
    # the staff console's pages
    console: KnowledgeConsoleTexts


class ConsoleTexts(BaseModel):
    """The staff web console's words (its buttons reuse the group card's `staff_button_*`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # the frame of every page
    site: str
    nav_queue: str
    nav_dashboard: str
    logout: str
    signed_in_as: str
    role_handler: str
    role_supervisor: str
    department_scope: str
    # logging in and out, refusals
    login_title: str
    username: str
    password: str
    login_button: str
    login_failed: str
    login_locked: str
    session_expired: str
    logged_out: str
    forbidden: str
    not_found: str
    back_to_queue: str
    # the queue
    queue_title: str
    queue_count: str
    queue_empty: str
    col_number: str
    col_urgent: str
    col_category: str
    col_district: str
    col_status: str
    col_department: str
    col_deadline: str
    col_received: str
    urgent_mark: str
    overdue: str
    due_in: str
    span_minutes: str
    span_hours: str
    span_days: str
    deadline_contact: str
    deadline_resolve: str
    deadline_feedback: str
    no_deadline: str
    filter_status: str
    filter_category: str
    filter_district: str
    filter_department: str
    filter_urgency: str
    filter_overdue: str
    filter_from: str
    filter_to: str
    filter_search: str
    filter_any: str
    filter_open: str
    filter_button: str
    filter_clear: str
    page_previous: str
    page_next: str
    page_of: str
    refreshed: str
    export: str
    # a case's page
    problem: str
    supplements: str
    evidence: str
    evidence_keywords: str
    evidence_confidence: str
    name: str
    phone: str
    district: str
    category: str
    urgency: str
    status: str
    department: str
    channel: str
    received: str
    result: str
    merged_into: str
    timeline: str
    internal: str
    deadlines: str
    deadline_met: str
    photos: str
    photo_open: str
    phone_revealed: str
    actions: str
    assign_suggested: str
    assign_others: str
    correct: str
    save: str
    done: str
    already_done: str
    no_actions: str
    # the dashboard (统计)
    dashboard_title: str
    dashboard_today: str
    dashboard_range: str
    dashboard_show: str
    figure_intake: str
    figure_urgent: str
    figure_closed: str
    figure_open: str
    figure_overdue_now: str
    by_category: str
    by_district: str
    promises: str
    promise_contact: str
    promise_resolve: str
    promise_feedback: str
    promise_cleared: str
    rate: str
    rate_none: str
    satisfaction: str
    satisfaction_none: str
    chart_alt: str
    dashboard_export: str


class Texts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # greeting and help
    rate_limited: str
    welcome: str
    help: str
    greeting: str
    choice_request_help: str
    choice_progress: str

    # intake: questions
    ask_name: str
    ask_phone: str
    ask_district: str
    ask_problem: str
    ask_for_whom: str
    ask_address: str
    # one question for two missing slots: name and phone, district and address
    ask_name_phone: str
    ask_address_district: str
    share_contact_button: str
    district_prefilled: str
    # intake: reasons to ask again
    bad_name_empty: str
    bad_name_long: str
    bad_name_digits: str
    bad_name_sentence: str
    bad_address: str
    bad_phone_length: str
    bad_phone_format: str
    bad_phone_not_own: str
    bad_district: str
    bad_problem_short: str
    bad_problem_long: str
    unknown_choice: str
    # intake: what else a message told ("已记下：电话"), a problem told at another question
    noted: str
    problem_added: str
    choice_for_self: str
    choice_for_other: str
    choice_skip: str
    # intake: navigation
    confirm_summary: str
    choice_confirm: str
    choice_edit: str
    choice_cancel: str
    ask_edit_which: str
    field_name: str
    field_phone: str
    field_district: str
    field_problem: str
    field_for_whom: str
    field_address: str
    field_phone2: str
    # the summary's and the staff card's lines for what only some requests have (each ends in a newline)
    summary_person: str
    summary_address: str
    summary_phone2: str
    person_age: str
    person_separator: str
    back_at_start: str
    cancelled: str
    nothing_to_cancel: str
    restarted: str
    expired: str
    reuse_contact_offer: str
    choice_reuse_contact: str
    choice_new_contact: str
    # intake: filed
    filed: str
    filed_urgent: str
    category_unsure: str
    # 修改 编号: the citizen corrects a filed case's phone, address or district
    choice_correct: str
    ask_correct_which: str
    correct_done: str
    correct_not_open: str
    event_corrected: str
    staff_corrected: str
    # danger to life: said first, before anything else
    emergency_120: str
    emergency_110: str
    emergency_119: str
    # after filing: more messages from the citizen
    supplement_offer: str
    choice_supplement: str
    choice_new_case: str
    choice_never_mind: str
    supplement_added: str
    never_mind: str
    # non-text messages
    empty_text: str
    media_not_supported: str
    # photos and files: received (attached when the request is filed), attached to an open case, refused at
    # once, or refused later (pushed: {time} the citizen sent it) once the content was checked
    attachment_received: str
    attachment_attached: str
    attachment_too_large: str
    attachment_not_accepted: str
    attachment_limit: str
    attachment_refused_too_large: str
    attachment_refused_not_accepted: str
    attachment_refused_unreachable: str
    voice_unrecognised: str
    location_matched: str
    location_unmatched: str
    # progress
    progress_none: str
    progress_header: str
    progress_item: str
    progress_detail: str
    progress_not_found: str
    progress_no_public_event: str
    progress_merged: str
    # withdraw
    withdraw_usage: str
    withdraw_done: str
    withdraw_not_allowed: str
    # rendering
    numbered_choice: str
    duration_minutes: str
    duration_hours: str
    duration_days: str
    # events the citizen sees on the timeline
    event_received: str
    event_withdrawn: str
    event_supplement: str
    # staff
    staff_card: str
    staff_card_urgent_line: str
    # the classifier is unsure: the citizen picks among the likeliest categories (one tap or one digit)
    ask_category_choice: str
    # the timeline's line for that choice: {chosen} {guess}
    event_category_chosen: str
    # a possibly urgent case (待确认紧急), until staff confirm or clear it
    staff_card_possible_line: str
    staff_card_reasons: str
    # {numbers} {reasons} {minutes} {channel} {chat} {district} {triggers} {name} {phone} {case} {problem}
    staff_danger_alert: str
    staff_button_danger_contacted: str
    staff_danger_contacted: str
    staff_danger_unknown: str
    staff_supplement: str
    # the caption of a case's photos and files in the staff channels; the timeline line when they are
    # taken out of the system (`yibang case files`)
    staff_attachments: str
    event_attachments_exported: str
    masked_none: str
    list_separator: str
    unknown_district: str
    # staff workflow: what the citizen is told of each public step
    citizen_assigned: str
    citizen_note: str
    citizen_resolved: str
    citizen_reopened: str
    citizen_merged: str
    citizen_rejected: str
    # staff workflow: timeline texts and answers to staff
    event_contacted: str
    event_assigned: str
    event_note: str
    event_resolved: str
    event_reopened: str
    event_merged: str
    event_rejected: str
    event_recategorised: str
    event_phone_revealed: str
    event_merged_in: str
    event_urgency_changed: str
    event_erased: str
    event_erased_withdrawn: str
    event_retention_anonymised: str
    problem_erased: str
    staff_illegal: str
    staff_unknown_department: str
    staff_unknown_case: str
    staff_merge_self: str
    staff_merge_final: str
    staff_done: str
    staff_action_contact: str
    staff_action_contacted: str
    staff_action_assign: str
    staff_action_note: str
    staff_action_internal_note: str
    staff_action_resolve: str
    staff_action_reopen: str
    staff_action_merge: str
    staff_action_merged_into: str
    staff_action_reject: str
    staff_action_recategorise: str
    staff_action_set_urgency: str
    staff_note_empty: str
    staff_result_empty: str
    staff_reopen_reason: str
    staff_reject_reason: str
    staff_unknown_category: str
    staff_not_allowed: str
    staff_card_status: str
    staff_queue_header: str
    staff_queue_item: str
    staff_queue_empty: str
    staff_stats: str
    staff_case_timeline: str
    staff_case_internal: str
    staff_queue_urgent: str
    staff_queue_overdue: str
    staff_stats_minutes: str
    staff_stats_hours: str
    staff_stats_separator: str
    # wechat
    # a template message, when a push comes after WeChat's 48-hour customer-service window
    wechat_template_first: str
    wechat_template_remark: str
    # staff must phone a citizen WeChat can no longer reach
    wechat_staff_phone_call: str
    wechat_unreachable_window: str
    wechat_unreachable_unsubscribed: str
    wechat_unreachable_template_failed: str
    # a staff card longer than a WeCom robot message may be
    wecom_truncated: str
    # after the line naming a case's photos: files the robot cannot pass on
    wecom_attachments_elsewhere: str

    # open311: what city systems read (the notice on a new request, the timeline, errors in GeoReport
    # v2's shape), and what staff are told when a request's citizen is to be told by phone
    open311_service_notice: str
    open311_problem_address: str
    open311_event_received: str
    open311_phone_call_reason: str
    open311_staff_phone_call: str
    open311_contact: str
    open311_key_service: str
    open311_error_key: str
    open311_error_missing: str
    open311_error_field: str
    open311_error_service_code: str
    open311_error_location: str
    open311_error_coordinates: str
    open311_error_outside: str
    open311_error_media_url: str
    open311_error_not_found: str
    open311_error_jurisdiction: str
    open311_error_rate: str
    open311_error_format: str
    open311_error_date: str
    open311_error_status: str
    open311_error_body: str

    # timers
    # deadlines: their names, the reminder and the escalation (staff group, command centre), the timeline
    deadline_contact: str
    deadline_resolve: str
    deadline_feedback: str
    staff_deadline_reminder: str
    staff_deadline_overdue: str
    command_centre_overdue: str
    event_overdue: str
    # 回访 (revisit): the question, its one-tap answers, what follows each answer
    revisit_prompt: str
    choice_revisit_solved: str
    choice_revisit_partly: str
    choice_revisit_unsolved: str
    revisit_ask_satisfaction: str
    choice_satisfied: str
    choice_fairly_satisfied: str
    choice_dissatisfied: str
    revisit_ask_still_wrong: str
    revisit_passed_on: str
    revisit_thanks: str
    revisit_over: str
    citizen_revisit_unanswered: str
    staff_revisit_reopened: str
    staff_revisit_comment: str
    event_revisit_sent: str
    event_revisit_answer: str
    event_revisit_reopened: str
    event_revisit_comment: str
    event_revisit_closed: str
    event_revisit_unanswered: str
    event_revisit_unrated: str
    event_revisit_impossible: str
    # the daily report: its text and its chart
    report_text: str
    report_category: str
    report_minutes: str
    report_no_figure: str
    stats_line: str
    override_note: str
    override_field_category: str
    override_field_urgency: str
    report_chart_title: str
    report_chart_intake: str
    report_chart_work: str
    report_bar_intake: str
    report_bar_closed: str
    report_bar_urgent_closed: str
    report_bar_overdue: str
    report_bar_contact_overdue: str
    report_bar_open: str
    # operations: what staff are told when delivery or the scheduler fails
    staff_dead_letter: str
    staff_scheduler_stalled: str
    scheduler_never_ran: str

    # telegram
    # said when handling failed (the database is down): the citizen should send again later
    telegram_busy: str
    # an edited message is not handled again; the citizen is told how to correct instead
    telegram_edit_ignored: str
    # command descriptions registered with setMyCommands (the menu beside the input field)
    telegram_command_start: str
    telegram_command_help_request: str
    telegram_command_progress: str
    telegram_command_cancel: str

    # staff group
    # the card's buttons (the next allowed steps), and the pages of departments 交办 opens
    staff_button_contacted: str
    staff_button_assign: str
    staff_button_note: str
    staff_button_resolve: str
    staff_button_merge: str
    staff_button_reject: str
    staff_button_reopen: str
    staff_button_phone: str
    staff_button_urgent_yes: str
    staff_button_urgent_no: str
    # a possibly urgent case nobody confirmed or cleared in time: {number} {category} {district} {minutes} {problem}
    staff_possible_unconfirmed: str
    staff_button_more: str
    staff_button_previous: str
    staff_button_back: str
    # the card's status line: the citizen was contacted; a step taken by the citizen or by the system
    staff_card_contacted: str
    staff_card_by_citizen: str
    staff_card_by_system: str
    # ForceReply prompts, addressed to the staff member who pressed, and their input field's placeholder
    staff_prompt_note: str
    staff_prompt_resolve: str
    staff_prompt_merge: str
    staff_prompt_reject: str
    staff_prompt_reopen: str
    staff_placeholder_note: str
    staff_placeholder_resolve: str
    staff_placeholder_merge: str
    staff_placeholder_reject: str
    staff_placeholder_reopen: str
    # answers to a press or a reply: only the presser sees those of a button
    staff_button_illegal: str
    staff_prompt_sent: str
    staff_prompt_done: str
    staff_prompt_expired: str
    staff_prompt_not_yours: str
    staff_prompt_empty: str
    staff_phone: str
    staff_group_busy: str
    staff_try_again: str
    # said to whoever is not staff, wherever they pressed or typed a staff command: reveals nothing
    staff_refused: str
    # group commands: usage, and their descriptions in the group's command menu
    staff_case_usage: str
    staff_command_queue: str
    staff_command_case: str
    staff_command_stats: str

    # the ledger (台账)
    ledger: LedgerTexts
    # similar cases
    similar: SimilarTexts
    # departments: the handover, 签收, 催办, 退回 and their figures
    departments: DepartmentTexts
    # instant answers from the knowledge base
    instant_answers: InstantAnswerTexts
    # the staff web console (/staff/)
    console: ConsoleTexts
