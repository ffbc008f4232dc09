"""A citizen's conversation: what each message means at the step the citizen is at.

The dialogue's step table (`dialogue`), the turn being handled (`turn`), commands that interrupt any step
(`intents`), the intake form's slots and their validators (`intake`, `validators`), filing the confirmed
form (`filing`), danger to life (`danger`), more words for an open case (`supplement`), 查看进度 and 撤回
(`progress`), the answers to a revisit (`revisit_answers`) and the per-citizen rate limit (`rate_limit`).
Everything here runs inside the one transaction of `handlers.process.handle`.
"""
