"""The case engine, whoever acts on it: the state machine (`states`), the timeline (`timeline`), the staff
steps with their refusals (`actions`), a case as plain data (`view`) and staff corrections of the
classifier as training examples (`overrides`)."""
