"""The workflows of basket subscriptions (STYLE.md: actions)."""
