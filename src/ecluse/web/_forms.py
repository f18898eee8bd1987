"""Console form fields: free text is checked as the API's bodies are (see ``_storable``)."""

from __future__ import annotations

from pydantic import AfterValidator

from ecluse._storable import storable_text

__all__ = ["Storable"]

#: On a free-text form field: NUL or unencodable text gets the form's 422 page, not a 500.
Storable = AfterValidator(storable_text)
