"""One Ninja router per resource; handlers stay thin and call the clinic apps' services."""
