"""The loyalty domain: plain Python over the unit of work, no Flask, no HTTP."""
