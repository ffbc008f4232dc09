"""Staff, on any channel: who may act (`directory`), what they are told (`notices`: the card, alerts), what
they read (`views`: the queue, a case, the day's figures), and a step taken from a chat (`desk`, with the
`prompts` that wait for a staff member's words): authorised, done once however often the platform
delivers it."""
