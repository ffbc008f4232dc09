"""Photos and files citizens send: recorded with the message, fetched from the platform by an outbox job,
checked and cleaned by their content, kept sealed in the media store, shown to staff, and deleted with the
rest of the citizen's data."""
