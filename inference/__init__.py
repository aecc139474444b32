"""Everything that turns images into images. Knows images, nothing about Telegram."""
