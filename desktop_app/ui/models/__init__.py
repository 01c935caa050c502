"""Item models (model/view) behind the inbox lists and the consent book table."""
