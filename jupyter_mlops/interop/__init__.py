"""Moving what other tools recorded into this store (``jupyter mlops import ...``)."""
