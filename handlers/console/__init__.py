"""The staff web console's decisions: accounts and logins, who sees which case, the queue, a case's page.

The web package (bot/staff_console) only parses, calls these and renders; every step on a case goes
through the same CaseDesk as the Telegram group and the command line.
"""
