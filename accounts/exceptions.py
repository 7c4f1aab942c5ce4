class AccountError(Exception):
    """A refused account action; `message` is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
