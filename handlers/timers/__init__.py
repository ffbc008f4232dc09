"""Sweeps over due times kept in the database: deadlines (`deadlines`), revisits (`revisits`), the daily
report (`daily_report`), undeliverable messages (`dead_letters`). Each takes the time it runs at, so a
test moves a clock instead of sleeping, and each is safe to run twice or in two processes at once."""
