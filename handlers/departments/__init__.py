"""Departments that act: where each is reached (`contacts`), the case handed over to it through the outbox
(`handover`), its 签收 and 退回 (`workflow`, `desk` for a press in its chat), chasing it (handlers/timers/
department_deadlines.py), and its figures (handlers/reports/departments.py)."""
