"""Adversarial submissions of lesson 00 and the helpers that build them."""
