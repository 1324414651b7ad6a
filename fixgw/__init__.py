"""fixgw: a FIX engine, gateway and exchange simulator for Kalshi."""

__version__ = "0.1.0"
