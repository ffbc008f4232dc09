"""What departments, staff and citizens read of the departments' part of the work (交办 reaching the
department, 签收, 催办, 退回, the departments' figures): the taxonomy's `texts.departments` block."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class DepartmentTexts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # the handover: a case told to the department at each of its contact points, rendered when sent
    handover: str
    handover_urgent_line: str
    # the first line of a 催办 (the handover again, not accepted in time)
    chase_line: str
    # how to accept: the console's case page, the Telegram button, or neither
    how_console: str
    how_telegram: str
    how_elsewhere: str
    email_subject: str
    email_subject_urgent: str
    button_accept: str
    deadline_accept: str
    # 签收
    event_accepted: str
    citizen_accepted: str
    action_accept: str
    accepted_answer: str
    refused_not_assigned: str
    refused_accepted: str
    refused_not_theirs: str
    # 退回
    event_returned: str
    action_return: str
    staff_returned: str
    staff_returned_decide: str
    refused_return_reason: str
    # the console's 退回 form: its reason field's placeholder
    return_placeholder: str
    refused_return_limit: str
    refused_supervisor_decides: str
    # chasing: the timeline, the escalation at twice the time (staff group and command centre), and the
    # reminder before the resolve deadline of an accepted case
    event_chased: str
    event_escalated: str
    escalation: str
    resolve_reminder: str
    # the figures, per department: in the daily report and `yibang stats`
    report_header: str
    report_line: str
    report_satisfaction: str
    # the console's dashboard: the departments' table and its columns
    dashboard_title: str
    column_handed: str
    column_accepted_on_time: str
    column_resolved_on_time: str
    column_returned: str
    column_satisfaction: str
