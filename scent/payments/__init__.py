"""Payments: the gateway interface, the offline test gateway, Stripe and its webhooks."""
