"""nbgrader preprocessors of the course."""

from __future__ import annotations

from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool


class ShortenTracebacks(Preprocessor):
    """Reduce every error output to its last line, ``Name: message``, for student feedback.

    A full traceback quotes the source lines around the failing one; in a test cell graded with
    its hidden tests restored, those lines can be hidden tests. The check's own message (which
    never reveals a hidden expected value) is all a student needs.
    """

    # nbgrader registers feedback preprocessors without enabling them: be on by default.
    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: "
                                           f"{output.get('evalue', '')}"]
        return cell, resources
