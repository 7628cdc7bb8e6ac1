"""b2bcore: the order-processing core of a B2B sales channel."""
