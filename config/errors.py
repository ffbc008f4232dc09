"""A configuration problem, said in words an operator can act on (file, key, what is wrong)."""


class ConfigError(Exception):
    """Raised instead of a traceback when a setting or the taxonomy file is wrong.

    The message names the source (an environment variable or a file), the key and the problem, so the
    command line can print it and stop.
    """

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"configuration error in {source}:\n{lines}")
