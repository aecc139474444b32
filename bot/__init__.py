"""Telegram front end. Knows Telegram, nothing about tensors."""
